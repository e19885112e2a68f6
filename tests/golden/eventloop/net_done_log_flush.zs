# Bare mode loads the logging and cluster frameworks, and the cluster log stream is
# created at zeek_init: its flush timer is pending, so Zeek enters its run loop and
# raises net_done even for a script without timers (Zeek's plugins.meta-hook baseline).
event net_done(t: time)
	{
	print "net_done";
	}

event zeek_init()
	{
	print "zeek_init";
	}

event zeek_done()
	{
	print "zeek_done";
	}
