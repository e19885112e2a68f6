# for over tables and sets with composite keys: [a, b] destructuring and value forms.
event zeek_init()
	{
	local t: table[string, count] of string = { ["x", 1] = "x1", ["y", 2] = "y2" };
	for ( [name, num] in t )
		print name, num, t[name, num];
	for ( [name, num], val in t )
		print fmt("%s-%d=%s", name, num, val);
	local s: set[count, count] = { [1, 2], [3, 4] };
	for ( [a, b] in s )
		print a + b;
	}
