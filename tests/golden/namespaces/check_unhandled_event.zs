# @check
# zscript check warns about an event that is raised but never handled and names the likely intended handler.
module Alerts;

export {
	global ping: event(n: count);
}

module GLOBAL;

# Meant as a handler for Alerts::ping, but written outside module Alerts it handles a new global event `ping`.
event ping(n: count)
	{
	print "ping", n;
	}

module Alerts;

event zeek_init()
	{
	event ping(1);
	}
