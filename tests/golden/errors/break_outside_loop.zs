# @expect-fail
# break and next are only valid inside loops (break also in switch).
event zeek_init()
	{
	break;
	}

function f()
	{
	next;
	}
