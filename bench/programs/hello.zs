##! Benchmark 5: start-up time of ``zscript run hello.zs`` (and ``--bare``, ``check``).

event zeek_init()
	{
	print "hello, world";
	}
