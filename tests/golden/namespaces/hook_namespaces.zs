# A hook declared in a module is distinct from a global hook of the same short name.
global check: hook(s: string);

module Policy;

export {
	global check: hook(s: string);
}

hook check(s: string)
	{
	print "Policy::check", s;
	}

hook ::check(s: string)
	{
	print "global check", s;
	}

event zeek_init()
	{
	hook check("a");
	hook ::check("b");
	hook Policy::check("c");
	}
