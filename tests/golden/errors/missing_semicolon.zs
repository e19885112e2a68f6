# @expect-fail
# A missing ';' is a syntax error reported at the next token.
event zeek_init()
	{
	local x = 1
	print x;
	}
