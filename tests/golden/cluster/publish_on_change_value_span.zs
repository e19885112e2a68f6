# @expect-fail
# @error-format: zeek
# An unusable &publish_on_change value is reported at the value's expression,
# located as Zeek's parser locates it: [...] up to its "]", record(...) up to
# its last argument or trailing comma (the ")" is left out).

global t1: table[string] of count &publish_on_change=[
	$changes=set(),
];

global t2: table[string] of count &publish_on_change=record(
	$changes=set(),

);
