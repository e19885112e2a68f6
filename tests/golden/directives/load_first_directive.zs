# @load-first: _helper.zs
# A file given before the script on the command line is loaded first.
event zeek_init()
	{
	print Helper::greet("cli");
	}
