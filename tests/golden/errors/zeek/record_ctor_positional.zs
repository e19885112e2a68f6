# @expect-fail
# @error-format: zeek
# A named record constructor takes only $field=value assignments: each
# other element is reported (naming the constructor and the element), and
# the constructor is then not checked for missing fields.
type R: record {
	cmd: string;
	n: count;
};

global one = R([$cmd="echo hi"]);
global two = R(1, "x");
