# zeek_script_loaded: one event per script file, queued after zeek_init and
# the top-level statements (priorities order the handlers as for any event).
@load ./_script_loaded_helper

event zeek_script_loaded(path: string, level: count) &priority=10
	{
	if ( /script_loaded/ in path )
		print "priority 10", sub(path, /^.*\//, ""), level;
	}

event zeek_script_loaded(path: string, level: count)
	{
	if ( /script_loaded/ in path )
		print "priority 0", sub(path, /^.*\//, ""), level;
	}

event zeek_init()
	{
	print "zeek_init";
	}

print "top-level statement";
