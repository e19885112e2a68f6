# Type cases on an any value, with and without binding the converted value.
function what(a: any): string
	{
	switch ( a ) {
	case type count as c:
		return fmt("count %d", c + 1);
	case type string as s:
		return "string " + s;
	case type double, type int:
		return "a number";
	default:
		return "something else";
	}
	}

event zeek_init()
	{
	print what(1);
	print what("x");
	print what(2.5);
	print what(-3);
	print what(T);
	}
