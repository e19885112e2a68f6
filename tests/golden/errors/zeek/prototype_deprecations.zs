# @error-format: zeek
# Handlers of a prototype with a deprecated parameter, or of a deprecated
# prototype, are warned about (at the handler and the prototype).
global myev: event(a: string, b: string &deprecated="Don't use 'b'", c: string);
global myev: event(a: string, c: string);
global myev: event(a: string, b: string) &deprecated="Don't use this prototype";
global myev: event(b: string) &deprecated;

event myev(a: string, b: string, c: string)
	{
	print "canonical", a, b, c;
	}

event myev(a: string, c: string)
	{
	print "new", a, c;
	}

event myev(a: string, b: string)
	{
	print "old", a, b;
	}

event myev(b: string)
	{
	print "oldest", b;
	}

@pragma push ignore-deprecations
event myev(a: string, b: string)
	{
	print "old, quietly", a, b;
	}
@pragma pop

event zeek_init()
	{
	event myev("one", "two", "three");
	}
