# @expect-fail
# @error-format: zeek
# A Broker store cannot be made while the globals are being initialized:
# Zeek reports it and does not start.
global early = Broker::create_master("early");

event zeek_init()
	{
	print "not reached";
	}
