# A constant zero may initialize or be assigned to a time (Zeek's
# AssignExpr::TypeCheck: "allow assignments to zero as a special case").
global start: time = 0;

event zeek_init()
	{
	local t: time = 0.0;
	print start, t, start == double_to_time(0.0);
	t = network_time();
	t = 0;
	print t;
	}
