# A &default aggregate value is a fresh copy for each missing key.
global buckets: table[string] of set[count] &default=set();

event zeek_init()
	{
	local b = buckets["a"];
	add b[1];
	print |buckets["a"]|, |b|;
	buckets["b"] = buckets["b"];
	add buckets["b"][5];
	print buckets["b"], |buckets["c"]|;
	}
