# `as` between strings, counts and the network types, in Zeek's 128-bit
# model: an IPv4-mapped IPv6 address or subnet is IPv4.
event zeek_init()
	{
	print "1.2.3.4" as addr, "::ffff:1.2.3.4" as addr, "001.002.003.004" as addr;
	print "1.2.3" ?as addr, "1.2.3.256" ?as addr, "::g" ?as addr;
	print "10.0.0.0/8" as subnet, "::ffff:0:0/96" as subnet, "::ffff:0:0/100" as subnet;
	print "::ffff:0:0/1" as subnet, "10.0.0.0" ?as subnet, "10.0.0.0/33" ?as subnet;
	print "80/tcp" as port, "53/udp" as port, "8/icmp" as port;
	print "80" ?as port, "80/" ?as port, "80/sctp" ?as port;
	print 1 as addr, 4294967295 as addr, 4294967296 ?as addr;
	print 10.1.2.3 as subnet, [2001:db8::1] as subnet;
	print 10.1.2.0/24 as addr, 10.1.2.0/24 as count, [2001:db8::]/32 as count;
	print 10.1.2.3 as vector of count, [2001:db8::1] as vector of count;
	print 443/tcp as count;
	}
