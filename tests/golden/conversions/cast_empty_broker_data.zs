# A failed cast of an empty Broker::Data (no $data) says so, as Zeek does;
# each failed cast ends its handler.
function to_string(a: any)
	{
	print a as string;
	}

event zeek_init()
	{
	print Broker::Data() is string;
	to_string(Broker::Data());
	}

event zeek_init() &priority=-1
	{
	to_string(42);
	}
