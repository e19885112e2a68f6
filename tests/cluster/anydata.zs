# Values in `any` arguments across the wire; used by tests/test_cluster_data.py.
#
# Once the manager is up, worker-1 sends Test::val with a count, a string, a
# vector, a record and a time in an `any` argument.  The manager prints what
# it got (a Broker::Data, as in Zeek), converts it back with `is`/`as`, and
# returns it unchanged in Test::echo; the worker converts the echo too.

module Test;

export {
	type R: record {
		c: count;
		s: string &optional;
	};

	global val: event(what: string, v: any);
	global echo: event(what: string, v: any);
}

function show(what: string, v: any): string
	{
	if ( what == "count" && v is count )
		return fmt("count %d", (v as count) + 1);
	if ( what == "string" && v is string )
		return fmt("string %s", v as string);
	if ( what == "vector" && v is vector of count )
		return fmt("vector %s", v as vector of count);
	if ( what == "record" && v is R )
		{
		local r = v as R;
		return fmt("record %d %s", r$c, r?$s);
		}
	if ( what == "time" && v is time )
		return fmt("time %.1f", time_to_double(v as time));
	return fmt("%s not converted", what);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::node != "worker-1" || name != "manager" )
		return;

	Cluster::publish(Cluster::manager_topic, val, "count", 41);
	Cluster::publish(Cluster::manager_topic, val, "string", "hi");
	Cluster::publish(Cluster::manager_topic, val, "vector", vector(1, 2, 3));
	Cluster::publish(Cluster::manager_topic, val, "record", R($c=7));
	Cluster::publish(Cluster::manager_topic, val, "time", double_to_time(42.0));
	}

event val(what: string, v: any)
	{
	print fmt("got %s %s %s", what, type_name(v), v);
	print fmt("as %s", show(what, v));
	print fmt("is string: %s", v is string);
	Cluster::publish(Cluster::node_topic("worker-1"), echo, what, v);
	}

event echo(what: string, v: any)
	{
	print fmt("echo %s", show(what, v));
	}
