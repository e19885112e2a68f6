# piped_exec runs a shell command with the string on its standard input and
# waits for it; the command's output comes out in order with the script's.
event zeek_init()
	{
	print "before";
	print piped_exec("tr a-z A-Z", "piped text\n");
	print piped_exec("wc -l | tr -d ' '", "1\n2\n3\n");
	print "after";
	}
