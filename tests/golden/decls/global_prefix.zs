# '::' names the global, from inside a module too, in expressions, calls,
# events, types and definitions.
global x = "global x";
type Num: count;

module M;

global x = "M::x";

function ::f(): string
	{
	return "::f";
	}

event ::ev(n: ::Num)
	{
	print "ev", n;
	}

event zeek_init()
	{
	print x, ::x, ::f();
	event ::ev(3);
	}
