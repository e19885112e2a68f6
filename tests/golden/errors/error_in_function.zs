# A runtime error inside a called function unwinds through the caller up to the handler body.
function inner(v: vector of count): count
	{
	return v[10];
	}

function outer(v: vector of count): count
	{
	print "outer start";
	local r = inner(v);
	print "outer end";
	return r;
	}

event ev()
	{
	print outer(vector(1));
	print "not reached";
	}

event ev() &priority=-1
	{
	print "next body";
	}

event zeek_init()
	{
	event ev();
	}
