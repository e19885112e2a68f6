# @expect-fail
# @error-format: zeek
# A field that the record lacks, and '$' on a value that is no record.
type R: record {
	a: count;
};

type Num: count;

event zeek_init()
	{
	local x = R($a=1);
	delete x$c;
	print x$d;
	local r: Num = 3;
	print r$a;
	}
