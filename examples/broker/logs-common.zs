# Broker, pattern 3: the log stream both sides define.

@load frameworks/cluster/backend/broker

redef exit_only_after_terminate = T;

function broker_port(): port
	{
	local p = getenv("BROKER_PORT");
	return p == "" ? Broker::default_port : to_port(p);
	}

module Example;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		msg: string &log;
		n: count &log;
	};
}

event zeek_init() &priority=5
	{
	Log::create_stream(Example::LOG, Log::Stream($columns=Info, $path="example"));
	}
