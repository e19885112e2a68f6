# A count beyond the int range does not promote to an int: a non-fatal
# run-time error, and the field (or variable) is left without a value.
type R: record {
	i: int &optional;
	c: count &optional;
};

event zeek_init()
	{
	local fits = R($i = 9223372036854775807, $c = 1);
	print fits;
	local over = R($i = 9223372036854775808, $c = 2);
	print over;
	local big = 18446744073709551615;
	local r: R = [$i = big];
	print r?$i;
	print "still running";
	}
