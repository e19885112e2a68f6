##! The cluster demo: workers see connections, the proxies count them per
##! host, the manager collects the counts and reports.  Run it on the default
##! layout (manager, logger-1, proxy-1, worker-1, worker-2) with:
##!
##!     zscript cluster start --foreground examples/cluster/demo.zs
##!
##! 1. The manager waits until every other node is up (``Cluster::node_up``),
##!    then tells the workers to start (``Cluster::worker_topic``).
##! 2. Each worker makes up 30 connections, in three batches half a second
##!    apart, and sends each one to the proxy that owns its host:
##!    ``Cluster::publish_hrw(Cluster::proxy_pool, host, ...)``, so one host
##!    is always counted by the same proxy.  Then it tells the manager how
##!    many it sent.
##! 3. When every worker is done, the manager asks the proxies for their
##!    totals (``Cluster::proxy_topic``), prints the report, checks that every
##!    connection was counted exactly once and calls ``terminate()``; the
##!    supervisor then stops the other nodes and exits.

module Demo;

export {
	## A worker saw a connection from ``host`` that carried ``bytes`` bytes.
	global seen: event(worker: string, host: string, bytes: count);
	## From the manager to the workers: every node is up, start.
	global go: event();
	## From a worker to the manager: finished after sending ``n`` connections.
	global worker_done: event(worker: string, n: count);
	## From the manager to the proxies: send your totals.
	global report: event();
	## From a proxy to the manager: its total for one host.
	global host_total: event(proxy: string, host: string, conns: count, bytes: count,
	                         workers: string);
	## From a proxy to the manager: all its totals were sent.
	global proxy_done: event(proxy: string, hosts: count);
}

## Batches per worker, connections per batch, and the hosts they come from.
const batches = 3;
const per_batch = 10;
const hosts = vector("10.0.0.1", "10.0.0.2", "10.0.0.3", "192.168.1.10", "192.168.1.20");

# Used by the workers' and the manager's parts (&is_used: a standalone
# check loads neither).
function by_name(a: string, b: string): int &is_used
	{
	return strcmp(a, b);
	}

@if ( Cluster::local_node_type() == Cluster::WORKER )

global go_received = F;
global started = F;
global sent = 0;

# Which worker this is (0, 1, ...): each one sees a different mix of hosts.
function worker_index(): count
	{
	local workers = Cluster::nodes_with_type(Cluster::WORKER);
	for ( i in workers )
		if ( workers[i]$name == Cluster::node )
			return i;
	return 0;
	}

event send_batch(b: count)
	{
	local w = worker_index();
	local i = 0;
	while ( i < per_batch )
		{
		local k = b * per_batch + i;
		local host = hosts[(k * 3 + w) % |hosts|];
		local bytes = 100 + (k * 37 + w * 101) % 900;
		if ( Cluster::publish_hrw(Cluster::proxy_pool, host, Demo::seen, Cluster::node, host, bytes) )
			++sent;
		++i;
		}
	print fmt("batch %d of %d: %d connections sent to the proxies", b + 1, batches, per_batch);
	if ( b + 1 < batches )
		schedule 500msec { send_batch(b + 1) };
	else
		Cluster::publish(Cluster::manager_topic, Demo::worker_done, Cluster::node, sent);
	}

# Start once the manager said so and every proxy is up here too (the HRW
# pool only hashes over the proxies this node has seen come up).
function maybe_start()
	{
	if ( started || ! go_received )
		return;
	if ( Cluster::get_active_node_count(Cluster::PROXY) < Cluster::get_node_count(Cluster::PROXY) )
		return;
	started = T;
	event send_batch(0);
	}

event Demo::go()
	{
	go_received = T;
	maybe_start();
	}

event Cluster::node_up(name: string, id: string)
	{
	maybe_start();
	}

event zeek_done()
	{
	print fmt("done: sent %d connections", sent);
	}

@endif

@if ( Cluster::local_node_type() == Cluster::PROXY )

type Total: record {
	conns: count &default=0;
	bytes: count &default=0;
	workers: set[string];
};

global totals: table[string] of Total;

event Demo::seen(worker: string, host: string, bytes: count)
	{
	if ( host !in totals )
		{
		totals[host] = Total($workers=set());
		print fmt("counting host %s (first seen by %s)", host, worker);
		}
	local t = totals[host];
	++t$conns;
	t$bytes += bytes;
	add t$workers[worker];
	}

event Demo::report()
	{
	for ( host, t in totals )
		{
		local ws: vector of string = vector();
		for ( w in t$workers )
			ws += w;
		Cluster::publish(Cluster::manager_topic, Demo::host_total, Cluster::node, host,
		                 t$conns, t$bytes, join_string_vec(sort(ws, by_name), ","));
		}
	Cluster::publish(Cluster::manager_topic, Demo::proxy_done, Cluster::node, |totals|);
	print fmt("sent the totals of %d hosts to the manager", |totals|);
	}

@endif

@if ( Cluster::local_node_type() == Cluster::MANAGER )

type Row: record {
	proxy: string;
	conns: count;
	bytes: count;
	workers: string;
};

global up_nodes: set[string];
global started = F;
global finished = F;
global sent: table[string] of count;
global rows: table[string] of Row;
global proxies_done: set[string];

event give_up()
	{
	if ( finished )
		return;
	finished = T;
	print fmt("the demo did not finish in time (nodes up: %d of %d, workers done: %d, proxies done: %d)",
	          |up_nodes| + 1, |Cluster::nodes|, |sent|, |proxies_done|);
	terminate();
	}

event zeek_init()
	{
	# A safety net only: the demo normally ends within seconds.
	schedule 1min { give_up() };
	}

event Cluster::node_up(name: string, id: string)
	{
	add up_nodes[name];
	if ( started || |up_nodes| + 1 < |Cluster::nodes| )
		return;
	started = T;
	print fmt("all %d nodes are up; telling the workers to start", |Cluster::nodes|);
	Cluster::publish(Cluster::worker_topic, Demo::go);
	}

event Demo::worker_done(worker: string, n: count)
	{
	sent[worker] = n;
	print fmt("%s is done: it sent %d connections", worker, n);
	if ( |sent| < Cluster::get_node_count(Cluster::WORKER) )
		return;
	print "every worker is done; asking the proxies for their totals";
	Cluster::publish(Cluster::proxy_topic, Demo::report);
	}

event Demo::host_total(proxy: string, host: string, conns: count, bytes: count, workers: string)
	{
	rows[host] = Row($proxy=proxy, $conns=conns, $bytes=bytes, $workers=workers);
	}

event Demo::proxy_done(proxy: string, hosts: count)
	{
	add proxies_done[proxy];
	if ( |proxies_done| < Cluster::get_node_count(Cluster::PROXY) || finished )
		return;
	finished = T;

	local names: vector of string = vector();
	for ( host in rows )
		names += host;

	print "report: host, connections, bytes, counted by, seen by";
	local counted = 0;
	for ( i in sort(names, by_name) )
		{
		local r = rows[names[i]];
		print fmt("  %-13s %3d %7d  %s  %s", names[i], r$conns, r$bytes, r$proxy, r$workers);
		counted += r$conns;
		}

	local total = 0;
	for ( _, n in sent )
		total += n;

	if ( counted == total )
		print fmt("all %d connections from %d workers were counted exactly once by %d prox%s",
		          total, |sent|, |proxies_done|, |proxies_done| == 1 ? "y" : "ies");
	else
		print fmt("MISMATCH: the workers sent %d connections, the proxies counted %d", total, counted);

	terminate();
	}

@endif
