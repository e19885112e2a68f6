# return with and without a value, including early returns from loops.
function find(v: vector of string, needle: string): int
	{
	for ( i in v )
		if ( v[i] == needle )
			return i;
	return -1;
	}

function log_it(msg: string)
	{
	if ( msg == "" )
		return;
	print "log", msg;
	}

event zeek_init()
	{
	local v = vector("a", "b", "c");
	print find(v, "c"), find(v, "z");
	log_it("");
	log_it("hello");
	}
