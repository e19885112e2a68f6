# Remote logging to a logger node; used by tests/test_logging_cluster.py.
#
# Each worker writes Test::n_records rows to the "test" stream when every
# logger is up (phase "a"), Test::n_while_down rows while logger-1 is down
# (phase "b", a second after Cluster::node_down, when the PUSH socket has
# surely seen the connection go), and Test::n_records rows again when
# a logger is up once more (phase "c").  Workers log remotely only (the cluster
# default), so every row ends up in the logger's test.log.  Phase "c"
# starts 2.5 s after the logger's node_up, once the PUSH socket has
# reconnected and sent what it queued while the logger was down.

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		node: string &log;
		phase: string &log;
		n: count &log;
	};

	const n_records: count = 500 &redef;
	const n_while_down: count = 300 &redef;
}

global logger_ups = 0;

event zeek_init()
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="test"));
	}

function write_phase(phase: string, n: count)
	{
	local i = 0;
	while ( i < n )
		{
		Log::write(LOG, Info($node=Cluster::node, $phase=phase, $n=i));
		++i;
		}
	Log::flush(LOG);
	print fmt("%s wrote %d in phase %s", Cluster::node, n, phase);
	}

event write_again()
	{
	write_phase("c", n_records);
	}

@if ( Cluster::local_node_type() == Cluster::WORKER )
event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::nodes[name]$node_type != Cluster::LOGGER )
		return;
	local loggers = Cluster::get_node_count(Cluster::LOGGER);
	if ( ++logger_ups == loggers )
		write_phase("a", n_records);
	else if ( logger_ups > loggers )
		schedule 2.5 sec { write_again() };
	}

event write_while_down()
	{
	write_phase("b", n_while_down);
	}

event Cluster::node_down(name: string, id: string)
	{
	if ( name == "logger-1" )
		schedule 1 sec { write_while_down() };
	}
@endif
