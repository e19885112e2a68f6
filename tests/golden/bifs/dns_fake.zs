# @env: ZEEK_DNS_FAKE=1
# DNS lookups run in `when`; in Zeek's fake mode (ZEEK_DNS_FAKE) they answer
# at once with made-up results.
event zeek_init()
	{
	when ( local n = lookup_addr(10.1.2.3) )
		{
		print n;
		when ( local t = lookup_hostname_txt("example.org") )
			print t;
		when ( local s = lookup_hostname("example.org") )
			print |s|;
		}
	timeout 1 sec
		{
		print "timeout";
		}
	}

event zeek_done()
	{
	print get_dns_stats();
	}
