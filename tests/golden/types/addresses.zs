# Addresses print as Zeek prints them (IPv4-compatible and IPv4-translated
# IPv6 addresses with a dotted quad); an IPv4-mapped IPv6 address is IPv4;
# |a| is the address width, |s| the number of addresses of a subnet.
event zeek_init()
	{
	print [::ffff:ffff], [::0a0a:ffff], [::ffff:0:192.168.1.100], [ffff::192.168.1.100];
	print [0xaaaa::bbbb], [1:0:0:2:0:0:0:3], [::1], [::], [1::];
	print [::ffff:1.2.3.4] == 1.2.3.4, is_v4_addr([::ffff:1.2.3.4]);
	print |1.2.3.4|, |[::1]|, |10.0.0.0/24|, |[2001:db8::]/120|;
	print [::ffff:0:0]/96, [::ffff:0:0]/100, [::ffff:0:0]/1, 10.1.2.3/8;
	print 1.2.3.4 < [::ffff:1.2.3.5], [::1] < 0.0.0.0;
	}
