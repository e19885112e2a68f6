# Record construction, field access, assignment, &optional and &default fields.
type Conn: record {
	src: string;
	dst: string;
	bytes: count &default=0;
	note: string &optional;
};

event zeek_init()
	{
	local c = Conn($src="a", $dst="b");
	print c;
	c$bytes += 100;
	c$note = "big";
	print c;
	print c$src, c$bytes, c$note;
	local d: Conn = [$src="x", $dst="y", $bytes=5];
	print d;
	}
