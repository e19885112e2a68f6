##! The hello handshake of the publish/subscribe backends (ZeroMQ, NATS):
##! how another process's nodeid subscription and its backend hello become
##! ``Cluster::hello`` (and so ``Cluster::node_up``), and how the withdrawal of
##! that subscription becomes ``Cluster::node_down``.
##!
##! A backend that reports other processes' subscriptions (its
##! ``subscription``/``unsubscription`` events) and has a ``hello`` event of
##! its own calls these functions from its handlers.  Seen from node B when
##! node A starts:
##!
##! 1. A subscribes to its nodeid topic; B sees the subscription and publishes
##!    its backend ``hello`` to that topic (:zeek:see:`handshake_subscription`).
##! 2. A does the same for B's nodeid topic.
##! 3. When a node has both seen the other's nodeid subscription and received
##!    its backend ``hello`` (:zeek:see:`handshake_hello`), it publishes
##!    ``Cluster::hello`` to the other's nodeid topic, which raises
##!    ``Cluster::node_up`` there.
##!
##! When A's process goes away, B sees the withdrawal of A's nodeid topic
##! (:zeek:see:`handshake_unsubscription`): ``Cluster::node_down``.  A
##! restarted node has a new id; a backend ``hello`` from a known name with a
##! new id ends the old one first (warning "never said goodbye").

@load base/frameworks/cluster

module Cluster::Backend;

export {
	## How long a half-done handshake is remembered.
	const hello_expiration: interval = 10sec &redef;

	## The process id in ``topic`` if it is a nodeid topic under ``prefix``
	## (``<prefix>.<id>.``), else "".
	global topic_nodeid: function(prefix: string, topic: string): string;

	## Another process (``id``) subscribed to its nodeid topic.  The caller
	## has published its backend hello to that topic.
	global handshake_subscription: function(id: string);

	## The backend hello of process ``id``, node ``name``, arrived
	## (``backend`` names the backend in warnings).
	global handshake_hello: function(backend: string, name: string, id: string);

	## Process ``id`` withdrew its nodeid subscription: it is gone.
	global handshake_unsubscription: function(id: string);
}

function subscription_expired(ids: set[string], id: string): interval
	{
	Reporter::warning(fmt("Expired subscription from nodeid %s", id));
	return 0sec;
	}

function hello_expired(ids: set[string], id: string): interval
	{
	Reporter::warning(fmt("Expired hello from nodeid %s", id));
	return 0sec;
	}

# Half-done handshakes: nodeid subscriptions seen without a hello, and the reverse.
global seen_subscriptions: set[string] &create_expire=hello_expiration &expire_func=subscription_expired;
global seen_hellos: set[string] &create_expire=hello_expiration &expire_func=hello_expired;

function topic_nodeid(prefix: string, topic: string): string
	{
	local p = prefix + ".";

	if ( ! starts_with(topic, p) )
		return "";

	return topic[|p|:-1];
	}

function handshake_subscription(id: string)
	{
	if ( id in seen_hellos )
		{
		Cluster::publish(Cluster::nodeid_topic(id), Cluster::hello, Cluster::node, Cluster::node_id());
		delete seen_hellos[id];
		}
	else
		add seen_subscriptions[id];
	}

function handshake_hello(backend: string, name: string, id: string)
	{
	if ( name in Cluster::nodes && Cluster::nodes[name]?$id )
		{
		local old = Cluster::nodes[name]$id;

		if ( old == id )
			{
			Reporter::warning(fmt("node '%s' sends %s::hello twice (id:%s)", name, backend, id));
			return;
			}

		Reporter::warning(fmt("node '%s' never said goodbye (old id:%s new id:%s", name, old, id));

		# Retire the old process now: the new one's Cluster::hello may be
		# handled before the node_down below, and must then count as new.
		delete Cluster::nodes[name]$id;
		event Cluster::node_down(name, old);
		}

	if ( id in seen_subscriptions )
		{
		Cluster::publish(Cluster::nodeid_topic(id), Cluster::hello, Cluster::node, Cluster::node_id());
		delete seen_subscriptions[id];
		}
	else
		add seen_hellos[id];
	}

function handshake_unsubscription(id: string)
	{
	for ( name, n in Cluster::nodes )
		{
		if ( n?$id && n$id == id )
			{
			event Cluster::node_down(name, id);
			return;
			}
		}

	Reporter::warning(fmt("unsubscription of unknown node with id '%s'", id));
	}
