# @expect-fail
# @error-format: zeek
# Zeek's wording for an arithmetic operator given operands it cannot take;
# the size of an `any` is itself an `any`, so it needs a cast first.
global a: any = 13.0;
global s = "x";
global iv = 1min;
global v = vector(1, 2);
print |a| as double + 1.0;
print 1 + |a|;
print s - 1;
print s % 2;
print iv * s;
print iv / s;
print v + 1;
