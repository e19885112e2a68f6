# The types of empty constructors without context.
print type_name(set()), type_name(table()), type_name(vector());
local v25: vector of vector of count;
v25 += vector();
local v26: vector of set[count];
v26 += vector();
print |v25|, |v26|;
