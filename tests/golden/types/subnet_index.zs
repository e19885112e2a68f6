# A table or set indexed by one subnet finds an address or a subnet by its
# longest matching prefix; `a / n` masks an address into a subnet.
global nets: table[subnet] of string = {
	[10.0.0.0/8] = "ten",
	[10.2.0.0/16] = "ten-two",
	[[2001:db8::]/32] = "doc",
};

event zeek_init()
	{
	print 10.2.3.4 in nets, 10.3.0.1 in nets, 11.0.0.1 in nets, [2001:db8::1] in nets;
	print 10.2.0.0/24 in nets, 10.0.0.0/7 in nets;
	print nets[10.2.3.4], nets[10.9.9.9], nets[10.2.0.0/16], nets[[2001:db8:1::]/48];
	local s = set(192.168.0.0/16);
	print 192.168.1.1 in s, 192.169.0.1 !in s;
	local a = 192.168.1.77;
	local w = 24;
	print a / w, a / 32, [2001:db8::1] / 64, 1.2.3.4 / 0;
	print 1.2.3.4 / 24, [::ffff:1.2.3.4] / 112;
	}
