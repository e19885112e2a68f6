# Loading (@load) a file next to the loading script, without the extension.
@load _helper

event zeek_init()
	{
	print Helper::greet("world"), Helper::version;
	}
