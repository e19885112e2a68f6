# @expect-fail
# An @if without its @endif is an error.
@if ( T )
global x = 1;

event zeek_init()
	{
	print x;
	}
