# Options are constants at run time but can be redefined at parse time.
option verbose = F;
option retries: count = 3;
option names: set[string] = {"a"};

redef verbose = T;
redef retries = 5;
redef names += {"b"};

event zeek_init()
	{
	print verbose, retries;
	print names;
	}
