# @expect-fail
# @error-format: zeek
# A pattern must end on its line; Zeek reads on to the next "/" (here the
# one on the next line, so the pattern is still a token).
event zeek_init()
	{
	local p = /foo
	bar/;
	print p;
	}
