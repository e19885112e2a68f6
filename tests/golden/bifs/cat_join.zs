# cat concatenates the printed forms of its arguments; string_cat only takes strings; join_string_vec joins.
event zeek_init()
	{
	print cat("a", 1, T, 2.5);
	print cat();
	print cat(vector(1, 2), "-", 5 min);
	print string_cat("x", "y", "z");
	print join_string_vec(vector("a", "b", "c"), ", ");
	print join_string_vec(vector("solo"), "+"), |join_string_vec(vector(), "-")|;
	}
