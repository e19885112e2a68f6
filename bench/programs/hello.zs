##! Benchmark 5: start-up time of ``zscript run standalone hello.zs``.

event zeek_init()
	{
	print "hello, world";
	}
