# @expect-fail
# Filling in missing remote timestamps needs add_network_timestamp (Zeek
# refuses to start otherwise).

redef EventMetadata::add_missing_remote_network_timestamp = T;

event zeek_init()
	{
	print "not reached";
	}
