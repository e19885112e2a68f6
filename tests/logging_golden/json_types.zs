# The same columns as tsv_types, written as JSON lines.
@load base/frameworks/logging

redef LogAscii::use_json = T;

module Types;

export {
	redef enum Log::ID += { LOG };

	type Inner: record {
		a: count &log;
		b: string &log &optional;
	};

	type Info: record {
		b: bool &log;
		i: int &log;
		c: count &log;
		d: double &log;
		t: time &log;
		iv: interval &log;
		s: string &log;
		id: Log::ID &log;
		p: port &log;
		a: addr &log;
		sn: subnet &log;
		sc: set[count] &log;
		vs: vector of string &log;
		vd: vector of double &log;
		inner: Inner &log;
		opt: string &log &optional;
	};
}

event zeek_init()
	{
	Log::create_stream(Types::LOG, [$columns=Info, $path="types"]);

	local holes: vector of string;
	holes[0] = "x";
	holes[2] = "z";

	Log::write(Types::LOG, [$b=T, $i=-42, $c=21, $d=3.14, $t=double_to_time(123456789.5),
	                        $iv=100 secs, $s="hurz", $id=Types::LOG, $p=123/tcp, $a=1.2.3.4,
	                        $sn=10.0.0.1/24, $sc=set(1), $vs=vector("x", "y"),
	                        $vd=vector(1.0, 0.5, 1e21, 1e-7), $inner=[$a=1, $b="in"],
	                        $opt="set"]);

	# Unset fields are left out; holes are null; strings are JSON-escaped and
	# non-UTF-8 bytes hex-escaped.
	Log::write(Types::LOG, [$b=F, $i=0, $c=0, $d=-0.0, $t=double_to_time(0.0), $iv=0.5 secs,
	                        $s="q\"uote\\ tab\t caf\xc3\xa9", $id=Types::LOG, $p=53/udp,
	                        $a=[2001:db8::1], $sn=[::]/0, $sc=set(), $vs=holes, $vd=vector(),
	                        $inner=[$a=2]]);

	Log::write(Types::LOG, [$b=F, $i=0, $c=0, $d=0.1, $t=double_to_time(1.0), $iv=0 secs,
	                        $s="bad \xe9 byte \x01", $id=Types::LOG, $p=1/icmp, $a=1.2.3.4,
	                        $sn=1.2.3.0/24, $sc=set(), $vs=vector(), $vd=vector(),
	                        $inner=[$a=3]]);
	}
