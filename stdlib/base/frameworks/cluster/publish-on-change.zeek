##! Tables and sets kept in step across the cluster (``&publish_on_change``).
##!
##! A global table or set declared with
##! ``&publish_on_change=[$changes=set(TABLE_ELEMENT_NEW, ...)]`` publishes
##! the changes of the kinds listed (in batches, see
##! :zeek:type:`Cluster::PublishOnChangeAttr`) as
##! :zeek:see:`Cluster::table_change_infos` events to
##! ``zeek/table/<identifier>/`` (or the attribute's ``$topic``).  Every
##! process subscribes to ``zeek/table/`` and applies what the others
##! publish to its own copy, without publishing it again; the
##! :zeek:see:`Cluster::apply_table_change_infos_policy` hook sees each batch
##! first.  :zeek:see:`Cluster::publish_table` sends a whole table, e.g. to a
##! node that just came up.  The work is done by the cluster subsystem
##! (``zscript/cluster/publish_on_change.py``).

module Cluster;

export {
	## The default ``batch_size`` of :zeek:see:`Cluster::publish_table`.
	const default_publish_table_batch_size = 10000 &redef;

	## Publish every element of ``table_val`` (a table or set declared with
	## ``&publish_on_change``) to ``topic`` as new elements, ``batch_size``
	## per :zeek:see:`Cluster::table_change_infos` event.
	##
	## Returns: F if ``table_val`` is not such a table.
	global publish_table: function(topic: string, table_val: any,
	                               batch_size: count &default=default_publish_table_batch_size): bool;
}

function publish_table(topic: string, table_val: any, batch_size: count): bool
	{
	return Cluster::__publish_table(topic, table_val, batch_size);
	}

event table_change_infos(tcheader: TableChangeHeader, tcinfos: TableChangeInfos)
	{
	# Publishing never reaches the publisher: this would be a bug.
	if ( tcheader$node_id == Cluster::node_id() )
		{
		Reporter::warning("Got table_change_infos() event from self");
		return;
		}

	if ( ! hook apply_table_change_infos_policy(tcheader, tcinfos) )
		return;

	Cluster::apply_table_change_infos(tcheader, tcinfos);
	}

event forward_table_change_infos(tcheader: TableChangeHeader, tcinfos: TableChangeInfos, to_topic: string)
	{
	Reporter::fatal(fmt("forward_table_change_infos unexpected for %s", Cluster::backend));
	}

event zeek_init()
	{
	Cluster::subscribe("zeek/table/");
	}
