# @expect-fail
# @error-format: zeek
# A table or set index cannot contain 'any', however deep.
type r: record {
	f: any;
};

type rr: record {
	f: r;
};

global a: set[any];
global b: table[any] of count;
global c: set[r];
global e: set[rr];
global ok: table[count] of any;
