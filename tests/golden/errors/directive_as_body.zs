# @expect-fail
# A directive cannot be the body of a statement: the rich format says how to fix it.
event zeek_init()
	{
	if ( T )
		@if ( T )
			print "maybe";
		@endif
	}
