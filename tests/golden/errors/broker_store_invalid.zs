# @error-format: zeek
# A closed Broker store handle: each operation is an error and fails at once
# (a query's result is FAILURE without waiting); is_closed says so.  An
# ``any`` that holds no store is an error where it is converted.
redef exit_only_after_terminate = T;

global h: opaque of Broker::Store;

function closed_state(a: any)
	{
	print "closed?", Broker::is_closed(a);
	}

event queries()
	{
	when [] ( local r = Broker::get(h, "k") )
		{
		print "get", r$status;
		}
	timeout 1sec
		{
		print "get timed out";
		}
	print "after the query";
	}

event not_a_store()
	{
	local n: any = 42;
	when [n] ( Broker::is_closed(n) )
		{
		print "not reached";
		}
	timeout 2sec
		{
		print "condition never evaluable";
		terminate();
		}
	closed_state(n);
	}

event zeek_init()
	{
	h = Broker::create_master("scratch");
	print Broker::put(h, "k", 1), Broker::is_closed(h);
	print Broker::close(h), Broker::is_closed(h);
	print Broker::close(h), Broker::put(h, "k", 2), Broker::erase(h, "k");
	event queries();
	event not_a_store();
	}
