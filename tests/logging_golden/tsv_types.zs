# Every column type in the ASCII (TSV) writer: nested records, unset and
# empty values, sets and vectors, and the escaping of strings.
@load base/frameworks/logging

module Types;

export {
	redef enum Log::ID += { LOG };

	type Color: enum { RED, GREEN };

	type Inner: record {
		a: count &log;
		b: string &log &optional;
		hidden: count &optional;
	};

	type Info: record {
		b: bool &log;
		i: int &log;
		c: count &log;
		d: double &log;
		t: time &log;
		iv: interval &log;
		s: string &log;
		e: Color &log;
		id: Log::ID &log;
		p: port &log;
		a: addr &log;
		a6: addr &log;
		sn: subnet &log;
		sc: set[count] &log;
		ss: set[string] &log;
		vs: vector of string &log;
		vd: vector of double &log;
		inner: Inner &log;
		opt_inner: Inner &log &optional;
		opt: string &log &optional;
		dflt: string &log &default="dflt";
		notlogged: count &optional;
	};

	redef enum Log::ID += { LINES };

	type Line: record {
		text: string &log;
		n: count &log;
	};
}

event zeek_init()
	{
	Log::create_stream(Types::LOG, [$columns=Info, $path="types"]);

	local empty_ss: set[string];
	local empty_vs: vector of string;
	local holes: vector of string;
	holes[0] = "x";
	holes[2] = "z";

	Log::write(Types::LOG, [$b=T, $i=-42, $c=21, $d=3.14, $t=double_to_time(123456789.5),
	                        $iv=100 secs, $s="hurz", $e=GREEN, $id=Types::LOG, $p=123/tcp,
	                        $a=1.2.3.4, $a6=[2001:db8::1], $sn=10.0.0.1/24,
	                        $sc=set(1), $ss=set("AA"), $vs=vector("x", "y"),
	                        $vd=vector(1.0, 0.5, 1e20), $inner=[$a=1, $b="in"],
	                        $opt_inner=[$a=2]]);

	# Unset, empty and reserved values.
	Log::write(Types::LOG, [$b=F, $i=0, $c=0, $d=-0.0, $t=double_to_time(0.0), $iv=-1.5 secs,
	                        $s="", $e=RED, $id=Types::LOG, $p=0/udp, $a=0.0.0.0, $a6=[::],
	                        $sn=[::]/0, $sc=set(), $ss=empty_ss, $vs=empty_vs, $vd=vector(),
	                        $inner=[$a=3], $opt="-", $dflt="(empty)"]);

	# Escaping: separators, backslashes, control bytes, UTF-8 (valid and not).
	Log::write(Types::LOG, [$b=T, $i=1, $c=1, $d=1e-7, $t=double_to_time(1.0), $iv=0.000001 secs,
	                        $s="tab\there\\back", $e=RED, $id=Types::LOG, $p=1/icmp,
	                        $a=1.2.3.4, $a6=[::1], $sn=192.168.0.0/16,
	                        $sc=set(7), $ss=set("a,b"), $vs=holes, $vd=vector(2.25),
	                        $inner=[$a=4, $b="caf\xc3\xa9"], $opt="\x01ctl", $dflt="bad\xe9"]);

	Log::write(Types::LOG, [$b=T, $i=1, $c=1, $d=1.0, $t=double_to_time(1.0), $iv=1 sec,
	                        $s="x", $e=RED, $id=Types::LOG, $p=1/tcp, $a=1.2.3.4, $a6=[::1],
	                        $sn=1.2.3.0/24, $sc=set(), $ss=set("-", "(empty)", ""),
	                        $vs=vector(""), $vd=vector(), $inner=[$a=5]]);

	# A row starting with the meta prefix gets that byte escaped.
	Log::create_stream(Types::LINES, [$columns=Line, $path="lines"]);
	Log::write(Types::LINES, [$text="#not a header", $n=1]);
	Log::write(Types::LINES, [$text="a # inside", $n=2]);
	}
