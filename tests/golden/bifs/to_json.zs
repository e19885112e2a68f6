# to_json renders values as JSON; unset record fields are omitted, only_loggable keeps &log fields.
type Color: enum { RED, BLUE };
type R: record {
	a: count &log;
	b: string &optional &log;
	c: vector of string;
	d: interval &default=2 min;
};

event zeek_init()
	{
	print to_json(R($a=1, $c=vector("x")));
	print to_json(R($a=2, $b="q", $c=vector()), T);
	print to_json(1), to_json(-3), to_json(1.5), to_json(2.0), to_json(T), to_json("s\"q");
	print to_json(BLUE), to_json(90 secs), to_json(double_to_time(1.5));
	print to_json(set(1)), to_json(table(["k"] = 1)), to_json(table([7] = "seven"));
	local v: vector of count;
	v[0] = 1;
	v[2] = 3;
	print to_json(v), to_json(vector());
	}
