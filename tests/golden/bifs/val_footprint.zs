# val_footprint counts the values a value is made of: 1 for an atomic value
# (a string adds one per 32 bytes), a container's elements plus their
# footprints, a table's indices as lists; a container met inside itself
# counts 1.
type R: record {
	a: count;
	b: string &default="b";
	c: double &optional;
};
type Node: record { };
redef record Node += { nxt: Node &optional; };

print val_footprint(1), val_footprint("short"), val_footprint(/x/);
print val_footprint("0123456789012345678901234567890123456789"); # 40 bytes
print val_footprint(R($a=1));                 # 3 fields, a and b set
print val_footprint(R($a=1, $c=2.0));         # 3 fields, all set
print val_footprint(vector(1, 2, 3));         # 3 + 3
local v: vector of count;
v[2] = 7;
print val_footprint(v);                       # 3 slots, one set
print val_footprint(table([1] = "x"));        # 1 + (1 + 1) + 1
print val_footprint(table([1, "a"] = 2));     # 1 + (2 + 2) + 1
print val_footprint(set(5, 6));               # 2 + 2 * (1 + 1)
local n = Node();
n$nxt = n;
print val_footprint(n);                       # 1 + the cycle's 1
local t: table[string] of any;
t["me"] = t;
print val_footprint(t);                       # 1 + (1 + 1) + 1
