# @error-format: zeek
# Run-time errors in Zeek's form: the expression as Zeek describes it.
global t: table[string] of count;
global v = vector(1, 2);

event zeek_init()
	{
	print t["missing"];
	}

event zeek_init() &priority=-1
	{
	print v[5];
	}

event zeek_init() &priority=-2
	{
	local z = 0;
	print 10 / z;
	}
