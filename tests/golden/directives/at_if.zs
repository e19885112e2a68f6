# Directives @if / @else / @endif choose declarations by a constant expression at parse time.
const level = 2 &redef;

@if ( level > 1 )
global mode = "verbose";
@else
global mode = "quiet";
@endif

@if ( level == 5 )
print "never parsed";
@endif

event zeek_init()
	{
	print mode;
	}
