# @expect-fail
# @error-format: zeek
# next and break outside of loops (break is fine in a hook).
function f()
	{
	next;
	}

event zeek_init()
	{
	break;
	}

hook h()
	{
	break;
	}
