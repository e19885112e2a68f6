# Raising Other::ping when only a global ping handler exists runs nothing for that raise (with a warning).
module Other;

export {
	global ping: event();
}

module GLOBAL;

event ping()
	{
	print "global ping handler ran";
	}

module Other;

event zeek_init()
	{
	event ::ping();
	event ping();
	event Other::ping();
	}
