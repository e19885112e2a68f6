# @env: ZEEK_SEED_FILE=_uid_seeds
# With a seed file rand follows Zeek's generator from the file's first
# number, and srand restarts it: the same seed gives the same numbers.
local first = vector(rand(1000), rand(1000), rand(1000));
print first;
srand(575);
local a = vector(rand(1000), rand(1000), rand(1000));
srand(575);
local b = vector(rand(1000), rand(1000), rand(1000));
print a, a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
local ok = T;
local i = 0;
while ( i < 200 )
	{
	if ( rand(3) >= 3 )
		ok = F;
	++i;
	}
print "in range", ok, rand(0);
