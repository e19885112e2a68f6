# A type may stand as a value: the basic types by name, and the constructed
# ones written as in a declaration.  Such a value prints as the type; its
# own type is "type".
print double, vector of int, set[count, string];
print table[string] of vector of addr;
print type_name(string), type_name(set[port]);
print from_json("[1, 2]", vector of count)$v;
print from_json("[\"a\"]", set[string])$v;
local t: any = table[count] of string;
print t;
