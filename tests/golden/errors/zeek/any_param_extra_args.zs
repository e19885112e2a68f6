# @error-format: zeek
# A function whose only parameter is `any` accepts any number of arguments
# when checked (as Zeek's check_and_promote_args does); calling a script
# function with more than it takes is an expression error that ends the
# handler.
function f(x: any)
	{
	print fmt("x=%s", x);
	}

event zeek_init() &priority=10
	{
	f(1);
	f(1, 2);
	print "not reached";
	}

event zeek_init()
	{
	f("next handler");
	}
