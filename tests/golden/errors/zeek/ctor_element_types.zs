# @expect-fail
# @error-format: zeek
# Constructor elements that do not fit the constructor's type, in Zeek's
# words: the first bad element is reported against the type (located where
# the type was declared), then the constructor; a set(...) given another set
# type by an assignment is built again with that type, and the assignment
# fails too.  table(...) and vector(...) with elements have their own type.
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

event zeek_init()
	{
	local lt: table[string, count] of count = { ["www", 80] = "web" };
	local anyset = set(vector());
	if ( vector("foo") == vector(/fo*/) )
		print "never";
	}
