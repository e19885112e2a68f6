# @error-format: zeek
# Each string literal is a value of its own (as in Zeek): equal literals are
# different objects, an assignment shares the object, copy() makes a new
# one.  A built-in function's error about an argument that was written as a
# literal elsewhere names the literal's line too (Zeek's format).
global done: event();

function conv(s: string): addr
	{
	return to_addr(s);
	}

event zeek_init()
	{
	local a = "same text";
	local b = "same text";
	local c = a;
	print same_object(a, c), same_object(a, b), a == b, same_object(a, copy(a));
	schedule 1sec { done() };
	}

event done()
	{
	print conv("not an address");
	}
