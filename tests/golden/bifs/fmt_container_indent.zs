# fmt("%s") and cat() on containers use Zeek's readable description, which tab-indents nested elements.
type R: record {
	a: count;
	s: set[count];
};

event zeek_init()
	{
	print fmt("%s", set(3));
	print cat(table([1] = "x"));
	print fmt("%s", R($a=1, $s=set(7)));
	print cat(set("q"));
	print cat(set());
	}
