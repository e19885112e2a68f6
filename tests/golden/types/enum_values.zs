# Enum values compare by identity, print by name, and can be table keys.
type Proto: enum { TCP, UDP, ICMP };

event zeek_init()
	{
	local p = UDP;
	local names: table[Proto] of string = { [TCP] = "tcp", [UDP] = "udp" };
	print p, p == UDP, p != TCP;
	print names[p], ICMP in names;
	print type_name(p), enum_to_int(TCP), enum_to_int(ICMP);
	}
