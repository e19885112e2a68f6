# The conditional operator evaluates only the chosen branch.
function tag(s: string): string
	{
	print "evaluated", s;
	return s;
	}

event zeek_init()
	{
	local x = 5;
	print x > 3 ? "big" : "small";
	print x > 10 ? tag("yes") : tag("no");
	local y: count = x == 5 ? 1 : 2;
	print y, (x < 0 ? -1 : 1) * 10;
	}
