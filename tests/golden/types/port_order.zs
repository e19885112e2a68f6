# Ports order by protocol first (unknown, tcp, udp, icmp), then by number;
# |p| includes the protocol's bits, as in Zeek.
event zeek_init()
	{
	print 1/icmp > 2/udp, 2/udp > 3/tcp, 65535/tcp < 0/udp, 10/tcp < 11/tcp;
	print 1/tcp == 1/udp, 80/tcp == 80/tcp;
	print |80/tcp|, |53/udp|, |8/icmp|;
	}
