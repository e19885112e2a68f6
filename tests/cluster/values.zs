# Many argument types across the wire; used by tests/test_cluster.py.
#
# worker-1 sends Test::values to the manager once it is up and prints what
# it sent; the manager prints what it got, and whether each argument equals
# the value it builds itself from the same expressions (make_*()).

module Test;

export {
	type Color: enum { RED, GREEN, BLUE };

	type Inner: record {
		label: string;
		weight: double &optional;
	};

	type Info: record {
		name: string;
		hits: count &default=7;
		note: string &optional;
		where: addr &optional;
		inner: Inner &optional;
		tags: set[string] &optional;
	};

	global values: event(c: count, i: int, d: double, s: string, b: bool,
	                     t: time, iv: interval, a4: addr, a6: addr,
	                     n4: subnet, n6: subnet, p1: port, p2: port, p3: port,
	                     e: Color, nt: Cluster::NodeType,
	                     full: Info, sparse: Info,
	                     addrs: set[addr], pairs: set[string, port],
	                     tab: table[string] of count,
	                     nested: table[count] of vector of string,
	                     vec: vector of int, recs: vector of Inner);
}

function make_full(): Info
	{
	return Info($name="full", $hits=42, $note="a note with \"quotes\" and \xff\x00 bytes",
	            $where=[2001:db8::1], $inner=Inner($label="in", $weight=0.25),
	            $tags=set("x", "y"));
	}

function make_sparse(): Info
	{
	return Info($name="sparse");
	}

function set_to_vec(s: set[addr]): vector of addr
	{
	local v: vector of addr;
	for ( a in s )
		v += a;
	return v;
	}

function show(what: string, c: count, i: int, d: double, s: string, b: bool,
              t: time, iv: interval, a4: addr, a6: addr,
              n4: subnet, n6: subnet, p1: port, p2: port, p3: port,
              e: Color, nt: Cluster::NodeType,
              full: Info, sparse: Info,
              addrs: set[addr], pairs: set[string, port],
              tab: table[string] of count,
              nested: table[count] of vector of string,
              vec: vector of int, recs: vector of Inner)
	{
	print fmt("%s count %s", what, c);
	print fmt("%s int %s", what, i);
	print fmt("%s double %.17g", what, d);
	print fmt("%s string %s", what, s);
	print fmt("%s bool %s", what, b);
	print fmt("%s time %.9f", what, time_to_double(t));
	print fmt("%s interval %.9f", what, interval_to_double(iv));
	print fmt("%s addr %s %s", what, a4, a6);
	print fmt("%s subnet %s %s", what, n4, n6);
	print fmt("%s port %s %s %s", what, p1, p2, p3);
	print fmt("%s enum %s %s", what, e, nt);
	print fmt("%s full %s", what, full);
	print fmt("%s full has note=%s where=%s inner=%s tags=%s", what,
	          full?$note, full?$where, full?$inner, full?$tags);
	print fmt("%s sparse %s", what, sparse);
	print fmt("%s sparse has note=%s where=%s inner=%s tags=%s", what,
	          sparse?$note, sparse?$where, sparse?$inner, sparse?$tags);
	print fmt("%s set %s", what, sort(set_to_vec(addrs), function(a: addr, b: addr): int { return strcmp(cat(a), cat(b)); }));
	for ( [pk, pt] in pairs )
		print fmt("%s pair %s %s", what, pk, pt);
	for ( tk, v in tab )
		print fmt("%s table %s %s", what, tk, v);
	for ( nk, vs in nested )
		print fmt("%s nested %s %s", what, nk, vs);
	print fmt("%s vector %s", what, vec);
	print fmt("%s records %s", what, recs);
	}

event values(c: count, i: int, d: double, s: string, b: bool,
             t: time, iv: interval, a4: addr, a6: addr,
             n4: subnet, n6: subnet, p1: port, p2: port, p3: port,
             e: Color, nt: Cluster::NodeType,
             full: Info, sparse: Info,
             addrs: set[addr], pairs: set[string, port],
             tab: table[string] of count,
             nested: table[count] of vector of string,
             vec: vector of int, recs: vector of Inner)
	{
	show("got", c, i, d, s, b, t, iv, a4, a6, n4, n6, p1, p2, p3, e, nt, full, sparse,
	     addrs, pairs, tab, nested, vec, recs);

	# Equality with values built here, where the language has it.
	local eq = vector(
		c == 18446744073709551615, i == -9007199254740993, d == 0.1,
		s == "tab\there, nul\x00 and latin-1 \xe9", b == T,
		t == double_to_time(1700000000.5), iv == -90 min,
		a4 == 192.0.2.1, a6 == [2001:db8::ff00:42:8329],
		n4 == 10.0.0.0/8, n6 == [2001:db8::]/32,
		p1 == 80/tcp, p2 == 53/udp, p3 == 8/icmp,
		e == BLUE, nt == Cluster::PROXY,
		full$name == "full", full$hits == 42, full$note == make_full()$note,
		full$where == make_full()$where, full$inner$label == "in",
		full$inner$weight == 0.25, full$tags == set("x", "y"),
		sparse$hits == 7, ! sparse?$note, ! sparse?$inner,
		addrs == set(192.0.2.1, [::1], 0.0.0.0),
		pairs == set(["a", 1/tcp], ["b", 2/udp]),
		|tab| == 3 && tab["one"] == 1 && tab["two"] == 2 && tab["big"] == 12345678901,
		|nested| == 2 && |nested[1]| == 2 && nested[1][1] == "b" && |nested[2]| == 0,
		|vec| == 4 && vec[0] == -1 && vec[3] == 9223372036854775807,
		|recs| == 2 && recs[0]$label == "r0" && ! recs[0]?$weight && recs[1]$weight == 1.5);
	local bad: vector of count;
	for ( k, ok in eq )
		if ( ! ok )
			bad += k;
	print fmt("equal: %s (mismatches at %s)", |bad| == 0, bad);
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::node != "worker-1" || name != "manager" )
		return;

	local addrs = set(192.0.2.1, [::1], 0.0.0.0);
	local pairs = set(["a", 1/tcp], ["b", 2/udp]);
	local tab = table(["one"] = 1, ["two"] = 2, ["big"] = 12345678901);
	local nested: table[count] of vector of string = { [1] = vector("a", "b"), [2] = vector() };
	local vec = vector(-1, 0, 1, 9223372036854775807);
	local recs = vector(Inner($label="r0"), Inner($label="r1", $weight=1.5));

	local c = 18446744073709551615;
	local i = -9007199254740993;
	local d = 0.1;
	local s = "tab\there, nul\x00 and latin-1 \xe9";
	local t = double_to_time(1700000000.5);
	local iv = -90 min;

	show("sent", c, i, d, s, T, t, iv, 192.0.2.1, [2001:db8::ff00:42:8329],
	     10.0.0.0/8, [2001:db8::]/32, 80/tcp, 53/udp, 8/icmp, BLUE, Cluster::PROXY,
	     make_full(), make_sparse(), addrs, pairs, tab, nested, vec, recs);
	print fmt("published: %s", Cluster::publish(Cluster::manager_topic, values,
	     c, i, d, s, T, t, iv, 192.0.2.1, [2001:db8::ff00:42:8329],
	     10.0.0.0/8, [2001:db8::]/32, 80/tcp, 53/udp, 8/icmp, BLUE, Cluster::PROXY,
	     make_full(), make_sparse(), addrs, pairs, tab, nested, vec, recs));
	}
