# @expect-fail
# An @endif without a matching @if is an error.
@if ( T )
global x = 1;
@endif
@endif

event zeek_init()
	{
	print x;
	}
