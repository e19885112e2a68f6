##! Every process subscribes to the supervisor's control topic at start-up,
##! as Zeek's processes do (``base/frameworks/supervisor``).

@load base/frameworks/cluster/pubsub
@load ./control

event zeek_init() &priority=10
	{
	Cluster::subscribe(SupervisorControl::topic_prefix);
	}
