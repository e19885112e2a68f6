# @expect-fail
# @error-format: zeek
# `redef x += v` with &add_func needs x to have a value already; Zeek
# reports it at x's declaration.
global a: count &add_func = function(old: count, new: count): count { return old + new; };
global b: count &delete_func = function(old: count, new: count): count { return old - new; };
redef a += 13;
redef b -= 13;
