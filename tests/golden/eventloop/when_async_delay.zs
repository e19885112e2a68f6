# @env: ZEEK_DNS_FAKE=1
# An asynchronous call in a `when` condition delays the body to the next
# processing of the triggers even when its answer is there at once.
event zeek_init()
	{
	when ( local n = lookup_addr(127.0.0.1) )
		{
		print "lookup", n;
		}
	print "after the when statement";
	}
