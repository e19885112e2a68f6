# @expect-fail
# Only a pattern can be added to a pattern (Zeek's AddToExpr).
global p = /a/;

event zeek_init()
	{
	p += "b";
	}
