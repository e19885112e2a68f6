# @expect-fail
# An alternate event prototype may only use parameter names of the first declaration.
global ev: event(x: bool, n: count);
global ev: event(xx: bool);
