# redef += and -= on &redef table and set constants.
const ports: set[count] = { 22, 80 } &redef;
const owners: table[string] of string = { ["a"] = "alice" } &redef;

redef ports += { 443 };
redef ports -= { 22 };
redef owners += { ["b"] = "bob" };

event zeek_init()
	{
	print ports;
	print owners;
	print |ports|, |owners|;
	}
