##! Subscribing to topics (loaded in every process, like the types).
##!
##! ``Cluster::publish``, ``Cluster::publish_hrw``, ``Cluster::publish_rr`` and
##! ``Cluster::make_event`` are built-in functions; subscriptions go through
##! the functions below so that the ``on_subscribe`` and ``on_unsubscribe``
##! hooks see every change.

@load ./types

module Cluster;

export {
	## Receive what is published on topics starting with ``topic``.
	global subscribe: function(topic: string): bool;

	## Stop receiving ``topic`` (exactly as it was subscribed).
	global unsubscribe: function(topic: string): bool;

	## Runs before every subscription (``break`` has no effect).
	global on_subscribe: hook(topic: string);

	## Runs before every unsubscription (``break`` has no effect).
	global on_unsubscribe: hook(topic: string);
}

function subscribe(topic: string): bool
	{
	hook on_subscribe(topic);
	return Cluster::__subscribe(topic);
	}

function unsubscribe(topic: string): bool
	{
	hook on_unsubscribe(topic);
	return Cluster::__unsubscribe(topic);
	}
