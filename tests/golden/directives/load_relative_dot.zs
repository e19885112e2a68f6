# @load of a file relative to the loading script, with or without the extension.
@load ./_helper

event zeek_init()
	{
	print Helper::greet("world"), Helper::version;
	}
