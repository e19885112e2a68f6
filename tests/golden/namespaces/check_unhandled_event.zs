# @check
# zscript check warns about an event that is raised but never handled and names the likely intended handler.
module Alerts;

event ping(n: count)
	{
	print "ping", n;
	}

event zeek_init()
	{
	event Alerts::ping(1);
	}
