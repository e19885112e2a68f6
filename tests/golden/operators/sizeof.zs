# The |x| operator: length of strings and containers, absolute value of numbers.
event zeek_init()
	{
	local v = vector(1, 2, 3);
	local t: table[count] of string = { [1] = "a", [2] = "b" };
	print |"hello"|, |""|, |v|, |t|, |set(5)|;
	print |-5|, |5|, |-2.5|, |0.5|;
	local i: int = -7;
	print |i|, type_name(|i|), type_name(|-2.5|);
	}
