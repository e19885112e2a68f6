# @expect-fail
# @error-format: zeek
# A directive cannot be the body of if/else/for/while.
event zeek_init()
	{
	local v = vector(1, 2);
	for ( i in v )
		@if ( T )
			print "loop";
		@endif
	}
