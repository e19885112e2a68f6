# Two modules may each declare the same short name without clashing.
module One;
export { global value = 1; global name = "one"; }

module Two;
export { global value = 2; global name = "two"; }

event zeek_init()
	{
	print value, name;
	print One::value, One::name;
	}

module GLOBAL;

event zeek_init() &priority=-1
	{
	print One::value + Two::value;
	}
