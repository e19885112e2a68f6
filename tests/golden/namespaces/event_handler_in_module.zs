# Handlers for global events such as zeek_init can be written inside any module.
module A;

event zeek_init()
	{
	print "zeek_init in A";
	}

module B;

event zeek_init() &priority=1
	{
	print "zeek_init in B";
	}

event zeek_done()
	{
	print "zeek_done in B";
	}
