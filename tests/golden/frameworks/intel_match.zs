# Intel: items inserted by script (one indicator from two sources, a
# network, a domain in another case), a filtered item, matches and
# intel.log, the inserted/removed hooks, and removal source by source.
# @log: intel.log
@load base/frameworks/intel

redef enum Intel::Where += { IN_TEST };

hook Intel::filter_item(item: Intel::Item)
	{
	if ( item$meta$source == "untrusted" )
		break;
	}

hook Intel::indicator_inserted(indicator: string, t: Intel::Type)
	{
	print "inserted", indicator, t;
	}

hook Intel::indicator_removed(indicator: string, t: Intel::Type)
	{
	print "removed", indicator, t;
	}

event Intel::match(s: Intel::Seen, items: set[Intel::Item])
	{
	local sources: vector of string = vector();
	for ( i in items )
		sources += fmt("%s:%s", i$indicator, i$meta$source);
	print "match", s$indicator, s$indicator_type, sort(sources, strcmp);
	}

event zeek_init()
	{
	Intel::insert([$indicator="10.1.2.3", $indicator_type=Intel::ADDR, $meta=[$source="a"]]);
	Intel::insert([$indicator="10.1.2.3", $indicator_type=Intel::ADDR, $meta=[$source="b", $desc="again"]]);
	Intel::insert([$indicator="10.1.0.0/16", $indicator_type=Intel::SUBNET, $meta=[$source="a"]]);
	Intel::insert([$indicator="Evil.Example", $indicator_type=Intel::DOMAIN, $meta=[$source="a"]]);
	Intel::insert([$indicator="10.9.9.9", $indicator_type=Intel::ADDR, $meta=[$source="untrusted"]]);

	Intel::seen([$host=10.1.2.3, $where=IN_TEST]);
	Intel::seen([$host=10.1.200.1, $where=IN_TEST]);
	Intel::seen([$indicator="evil.example", $indicator_type=Intel::DOMAIN, $where=IN_TEST]);
	Intel::seen([$host=10.9.9.9, $where=IN_TEST]);	# filtered out: no match
	Intel::seen([$indicator="10.1.2.3", $indicator_type=Intel::DOMAIN, $where=IN_TEST]);	# wrong type

	# One source goes, the indicator stays; then the last one.
	Intel::remove([$indicator="10.1.2.3", $indicator_type=Intel::ADDR, $meta=[$source="a"]]);
	Intel::seen([$host=10.1.2.3, $where=IN_TEST]);
	Intel::remove([$indicator="10.1.2.3", $indicator_type=Intel::ADDR, $meta=[$source="b"]]);
	Intel::remove([$indicator="Evil.Example", $indicator_type=Intel::DOMAIN, $meta=[$source="x"]], T);
	Intel::seen([$indicator="evil.example", $indicator_type=Intel::DOMAIN, $where=IN_TEST]);
	}
