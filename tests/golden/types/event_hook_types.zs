# Declared event and hook types: type_name, and invoking a hook returns whether all bodies ran.
global ev: event(a: count, b: string);
global hk: hook(s: string);

hook hk(s: string)
	{
	print "hook body", s;
	}

event ev(a: count, b: string)
	{
	print "event body", a, b;
	}

event zeek_init()
	{
	print type_name(ev), type_name(hk);
	print hook hk("x");
	event ev(1, "b");
	}
