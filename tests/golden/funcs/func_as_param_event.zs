# Events can carry function values as arguments.
global run: event(f: function(s: string): string, arg: string);

event run(f: function(s: string): string, arg: string)
	{
	print f(arg);
	}

event zeek_init()
	{
	event run(to_upper, "abc");
	event run(function(s: string): string { return s + s; }, "xy");
	}
