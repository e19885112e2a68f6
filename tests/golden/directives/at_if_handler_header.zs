# An @if can select between handler headers that share one body.
const use_new = T;

global new_ev: event(n: count);
global old_ev: event(n: count);

@if ( use_new )
event new_ev(n: count)
@else
event old_ev(n: count)
@endif
	{
	print "handler body", n;
	}

event zeek_init()
	{
	event new_ev(1);
	event old_ev(2);
	}
