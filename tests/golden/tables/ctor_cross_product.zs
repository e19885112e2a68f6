# In a set or table constructor, a list `[a, b]` or a set in an index
# position that wants one member stands for each member: the constructor
# gets the cross product (Zeek's constructor expansion).
global nets = { 10.0.0.0/8, 192.168.0.0/16 };
global hosts: set[string, subnet] &redef;
redef hosts += { [["web", "db"], nets] };

type Limit: record {
	n: count;
};

# Each key gets its own value: changing one leaves the others.
global limits: table[string, port] of Limit = {
	[set("a", "b"), [80/tcp, 443/tcp]] = Limit($n=1),
	["c", 22/tcp] = Limit($n=2),
};

event zeek_init()
	{
	for ( [h, n] in hosts )
		print "host", h, n;
	limits["a", 80/tcp]$n = 9;
	for ( [k, p] in limits )
		print "limit", k, p, limits[k, p]$n;
	local s: set[string, subnet];
	s += { [["x", "y"], nets] };
	print |s|, ["y", 10.0.0.0/8] in s;
	}
