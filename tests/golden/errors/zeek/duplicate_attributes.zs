# @expect-fail
# @error-format: zeek
# Some attributes may repeat (&redef, &log ...), the others are ambiguous.
global a: table[count] of count &default=1 &default=2;
global b: table[count] of count &redef &redef;
global c: table[count] of count &deprecated="x" &deprecated;
