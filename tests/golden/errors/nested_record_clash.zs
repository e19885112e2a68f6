# @expect-fail
# A [$f=...] constructor inside another is built on its own and then
# coerced; when its fields cannot become the field's record type, the outer
# coercion reports the field as a whole (Zeek's RecordCoerceExpr).
type Inner: record {
	a: count;
	b: string;
};

type Outer: record {
	i: Inner;
};

event zeek_init()
	{
	local o: Outer = [$i=[$a=1, $b=2]];
	local ok: Outer = [$i=[$a=1, $b="two"]];
	print ok;
	}
