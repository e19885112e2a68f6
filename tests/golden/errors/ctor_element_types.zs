# @expect-fail
# Constructor elements that do not fit the constructor's type: one error for
# each element.  table(...) and vector(...) with elements have their own type
# (as in Zeek), which must then be the declared one.
type Ports: set[port];
type Counts: vector of count;
type Names: table[port] of string;
type R: record { a: count; };

global s1 = Ports(1, 2);
global v1 = Counts("one", "two");
global t1 = Names(["http"] = "x");
global s2: Ports = set(3);
global v2: Counts = vector("four");
global v3: vector of string = [];
global t2: table[count] of string = vector();
global rs: set[R] = { [$a=1], [$a="no"] };
global ok: set[double] = set(1, 2.5);

event zeek_init()
	{
	local lt: table[string, count] of count = { ["www", 80] = "web" };
	local anyset = set(vector());
	if ( vector("foo") == vector(/fo*/) )
		print "never";
	}
