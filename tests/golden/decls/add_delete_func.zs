# &add_func and &delete_func (which imply &redef): a later `redef x += v` or
# `redef x -= v` stores what the function makes of the old value and v.
global c: count &redef &add_func = function(old: count, new: count): count { return old * 10 + new; };
global names: set[string] = { "a", "b" } &delete_func = function(old: set[string], gone: set[string]): set[string] { return old - gone; };
global plain: count = 5 &add_func = function(old: count, new: count): count { return old + 2 * new; };

redef c = 1;
redef c += 2;
redef c += 3;
redef names -= set("a");
redef plain += 1;
print c, names, plain;
