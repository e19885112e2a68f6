##! The Supervisor framework's functions (see ``./api`` for what they do),
##! and every process's subscription to the supervisor's control topic, as
##! in Zeek (``base/frameworks/supervisor``).

@load base/frameworks/cluster/pubsub
@load ./api
@load ./control

function Supervisor::create(node: Supervisor::NodeConfig): string
	{
	return Supervisor::__create(node);
	}

function Supervisor::status(node: string): Supervisor::Status
	{
	return Supervisor::__status(node);
	}

function Supervisor::restart(node: string): bool
	{
	return Supervisor::__restart(node);
	}

function Supervisor::destroy(node: string): bool
	{
	return Supervisor::__destroy(node);
	}

function Supervisor::is_supervisor(): bool
	{
	return Supervisor::__is_supervisor();
	}

function Supervisor::is_supervised(): bool
	{
	return Supervisor::__is_supervised();
	}

function Supervisor::node(): Supervisor::NodeConfig
	{
	return Supervisor::__node();
	}

event zeek_init() &priority=10
	{
	Cluster::subscribe(SupervisorControl::topic_prefix);
	}

event SupervisorControl::stop_request()
	{
	if ( Supervisor::is_supervisor() )
		terminate();
	}
