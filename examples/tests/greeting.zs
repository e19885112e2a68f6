# A golden-file test: `zscript test examples/tests` runs this script and
# compares what it prints with greeting.out beside it.

function greet(name: string): string
	{
	return fmt("hello, %s", name);
	}

event zeek_init()
	{
	print greet("world");
	print greet("zeek");
	}
