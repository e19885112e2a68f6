# @cluster
# @timeout: 90
#
# Password guessing found cluster-wide: the workers replay a log of login
# attempts (failed-logins.dat, read with the Input framework; each worker
# takes every other line, as a cluster's load balancer splits traffic),
# SumStats counts each source's failed logins and distinct targets over the
# whole cluster, and a source with 5 or more failures in a round raises one
# notice.  The log is replayed twice: the second round finds the same
# guessers, whose notices are then suppressed (same $identifier, within
# its $suppress_for).
#
# Run it with `zscript test examples/cluster/password-guessing`, or as a
# cluster of your own with `zscript cluster start password_guessing.zs`.

@load base/frameworks/sumstats
@load base/frameworks/notice
@load policy/frameworks/cluster/experimental

module Guessing;

export {
	redef enum Notice::Type += {
		## A source failed to log in too often.
		Password_Guessing,
	};

	## Failed logins of one source that make it a guesser (per round).
	const failures_threshold = 5.0 &redef;

	## One line of the log.
	type Attempt: record {
		ts: time;
		seq: count;
		src: addr;
		dst: addr;
		user: string;
		success: bool;
	};

	## Manager to workers: replay the log (round ``n``).
	global replay: event(n: count);
	## Worker to manager: done with round ``n`` after ``lines`` lines.
	global replayed: event(node: string, n: count, lines: count);

	## One line read.
	global attempt: event(desc: Input::EventDescription, t: Input::Event, a: Attempt);
}

global lines_seen = 0;

# Which worker replays which lines: worker-1 the odd, worker-2 the even ones.
function my_share(seq: count): bool
	{
	return Cluster::node == (seq % 2 == 1 ? "worker-1" : "worker-2");
	}

event Guessing::attempt(desc: Input::EventDescription, t: Input::Event, a: Attempt)
	{
	if ( ! my_share(a$seq) )
		return;
	++lines_seen;
	if ( ! a$success )
		SumStats::observe("login.failed", [$host=a$src], [$str=cat(a$dst)]);
	}

event Guessing::replay(n: count)
	{
	lines_seen = 0;
	Input::add_event([$source=cat(@DIR, "/failed-logins.dat"), $name=cat("logins-", n),
	                  $fields=Attempt, $ev=Guessing::attempt, $mode=Input::MANUAL,
	                  $want_record=T]);
	}

event Input::end_of_data(name: string, source: string)
	{
	Input::remove(name);
	local n = to_count(split_string(name, /-/)[1]);
	print fmt("round %d: replayed %d lines", n, lines_seen);
	Cluster::publish(Cluster::manager_topic, Guessing::replayed, Cluster::node, n, lines_seen);
	}

# The manager's state: the round, and the round's notices, suppressions and
# guessers, printed sorted at its end.
global round = 0;
global found: vector of string;
global next_round: event();
global round_done: event();
global done_workers: set[string];

# Every node creates the SumStat: workers observe, the manager merges and
# runs the callbacks.
event zeek_init()
	{
	local failures = SumStats::Reducer($stream="login.failed",
	                                   $apply=set(SumStats::UNIQUE));
	SumStats::create([$name="password-guessing", $epoch=0secs, $reducers=set(failures),
		$threshold_val(key: SumStats::Key, result: SumStats::Result): double =
			{ return result["login.failed"]$num + 0.0; },
		$threshold=failures_threshold,
		$threshold_crossed(key: SumStats::Key, result: SumStats::Result) =
			{
			NOTICE([$note=Password_Guessing, $src=key$host, $identifier=cat(key$host),
			        $msg=fmt("%s failed to log in at least %.0f times", key$host,
			                 failures_threshold)]);
			},
		$epoch_result(ts: time, key: SumStats::Key, result: SumStats::Result) =
			{
			local r = result["login.failed"];
			if ( r$num >= failures_threshold )
				found += fmt("  %s: %d failures on %d hosts", key$host, r$num, r$unique);
			},
		$epoch_finished(ts: time) =
			{
			# After the notice events this epoch's end raised.
			event Guessing::round_done();
			}]);
	}

event Guessing::round_done()
	{
	sort(found, strcmp);
	print fmt("round %d:", round);
	for ( i in found )
		print found[i];
	found = vector();
	if ( round == 2 )
		terminate();
	else
		event Guessing::next_round();
	}

event Guessing::next_round()
	{
	++round;
	done_workers = set();
	Cluster::publish(Cluster::worker_topic, Guessing::replay, round);
	}

@if ( Cluster::local_node_type() == Cluster::MANAGER )

event Cluster::Experimental::cluster_started()
	{
	event Guessing::next_round();
	}

event Guessing::replayed(node: string, n: count, lines: count)
	{
	add done_workers[node];
	if ( |done_workers| == Cluster::get_active_node_count(Cluster::WORKER) )
		SumStats::next_epoch("password-guessing");
	}

event Notice::log_notice(rec: Notice::Info)
	{
	found += fmt("  notice: %s", rec$msg);
	}

event Notice::suppressed(n: Notice::Info)
	{
	found += fmt("  suppressed: %s (%s)", n$note, n$identifier);
	}

@endif
