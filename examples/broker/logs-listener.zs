# Broker, pattern 3: remote logs.  With Broker as the cluster backend, the
# connector's log writes also go to the peers subscribed to "zeek/logs/";
# the listener writes them to its own example.log.
#
#   BROKER_PORT=9999/tcp zscript run --bare logs-listener.zs
#   BROKER_PORT=9999/tcp zscript run --bare logs-connector.zs

@load ./logs-common

event zeek_init()
	{
	Broker::subscribe("zeek/logs/");
	Broker::listen("127.0.0.1", broker_port());
	}

event Broker::peer_lost(endpoint: Broker::EndpointInfo, msg: string)
	{
	terminate();
	}
