# count arithmetic wraps modulo 2^64; underflow warns, overflow does not.
global count_max: count = 0xffffffffffffffff;

event zeek_init()
	{
	local c = 0;
	--c;
	print c, c == count_max;
	local d = 3;
	d -= 5;
	print d;
	local m = count_max;
	++m;
	print m;
	m = count_max;
	m += 2;
	print m;
	}
