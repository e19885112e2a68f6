# Hooks support alternate prototypes too: a body may take a subset of the parameters.
global h: hook(a: count, b: string);
global h: hook(b: string);

hook h(a: count, b: string) &priority=1
	{
	print "full hook", a, b;
	}

hook h(b: string)
	{
	print "partial hook", b;
	}

event zeek_init()
	{
	print hook h(1, "x");
	}
