# redef record adds optional/defaulted fields; existing values get them too.
type Info: record {
	name: string;
};

redef record Info += {
	size: count &default=10;
	note: string &optional;
};

event zeek_init()
	{
	local i = Info($name="a");
	print i;
	i$note = "set";
	print i, i$size;
	}
