# sort orders a vector in place (and returns it); a comparison function can define the order.
function by_len(a: string, b: string): int
	{
	return |a| < |b| ? -1 : (|a| > |b| ? 1 : 0);
	}

event zeek_init()
	{
	local v = vector(5, 3, 9, 1);
	sort(v);
	print v;
	local w = vector("ccc", "a", "bb");
	print sort(w, by_len);
	print w;
	local d = vector(2.5, -1.0, 0.5);
	print sort(d);
	}
