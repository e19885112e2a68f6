# @expect-fail
# &publish_on_change applies to global tables and sets, with a
# Cluster::PublishOnChangeAttr value.

global n: count &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW)];
global t: table[string] of count &publish_on_change=42;

event zeek_init()
	{
	local l: set[string] &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW)];
	}
