# @error-format: zeek
# Values of two different enum types may still be compared, and a loop
# variable reused for another enum type, with Zeek's deprecation warning;
# @pragma ignore-deprecations silences it.
type Fruit: enum { APPLE, PEAR };
type Tool: enum { HAMMER, SAW };

event zeek_init()
	{
	print APPLE == HAMMER, PEAR != SAW;
	for ( x in set(APPLE) )
		print x;
	for ( x in set(SAW) )
		print x;
@pragma push ignore-deprecations
	print APPLE == SAW;
@pragma pop ignore-deprecations
	}
