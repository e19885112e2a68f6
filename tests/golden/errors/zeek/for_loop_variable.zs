# @expect-fail
# @error-format: zeek
# A loop variable cannot be a global or a constant.
global x: count = 0;

event zeek_init()
	{
	const y: count = 0;

	for ( x in set(1, 2, 3) ) {}
	for ( y in set(1, 2, 3) ) {}
	for ( z in set(1, 2, 3) ) {}
	}
