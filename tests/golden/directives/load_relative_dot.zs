# Loading (@load) a file by a ./ path relative to the loading script.
@load ./_helper

event zeek_init()
	{
	print Helper::greet("world"), Helper::version;
	}
