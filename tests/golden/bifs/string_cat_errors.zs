# string_cat takes only strings: anything else is an error (without a
# location, as Zeek's reporter error) and the result is empty.
event zeek_init()
	{
	print string_cat("x", vector("a", "b"), ", ");
	print |string_cat("a", 1)|;
	print string_cat("x", "y"), string_cat();
	}
