# Broker, pattern 3: remote logs.  The connector writes three lines once
# peered, flushes them to the listener and ends a second later.

@load ./logs-common

global n = 0;

event zeek_init()
	{
	Broker::peer("127.0.0.1", broker_port(), 1sec);
	}

event stop()
	{
	terminate();
	}

event write_one()
	{
	++n;
	Log::write(Example::LOG, Example::Info($msg="hello", $n=n));
	if ( n < 3 )
		schedule 0.1sec { write_one() };
	else
		{
		Broker::flush_logs();
		schedule 1sec { stop() };
		}
	}

event Broker::peer_added(endpoint: Broker::EndpointInfo, msg: string)
	{
	event write_one();
	}
