##! A tour of zscript in one standalone script: events, a table with a
##! default, records, a hook, a scheduled event, a ``when`` with a timeout,
##! and the order Zeek runs them in.  Run it with:
##!
##!     zscript run standalone examples/hello.zs

module Tour;

# Keep running until terminate(): the ticks below are one second apart.
redef exit_only_after_terminate = T;

export {
	## One sighting of a host.
	type Sighting: record {
		host: string;
		seen: count &default=0;
	};

	## Raised for every sighting.
	global seen: event(s: Sighting);

	## Lets other scripts veto a sighting.
	global allow: hook(host: string);
}

global counts: table[string] of count &default=0;
global done = F;
global start: time;

hook allow(host: string)
	{
	if ( host == "blocked.example" )
		break;
	}

event seen(s: Sighting)
	{
	++counts[s$host];
	print fmt("sighting %d of %s", counts[s$host], s$host);
	}

event tick(n: count)
	{
	print fmt("tick %d at +%s", n, network_time() - start);
	if ( n < 3 )
		schedule 1 sec { tick(n + 1) };
	else
		{
		done = T;
		terminate();
		}
	}

event zeek_init()
	{
	start = network_time();
	for ( h in set("a.example", "b.example", "blocked.example", "a.example") )
		if ( hook allow(h) )
			event seen(Sighting($host=h));

	event seen([$host="a.example"]);
	schedule 1 sec { tick(1) };

	when ( done )
		print "all ticks seen";
	timeout 10 sec
		{
		print "gave up waiting";
		}
	}

event zeek_done()
	{
	for ( h, n in counts )
		print fmt("%s was seen %d time%s", h, n, n == 1 ? "" : "s");
	}
