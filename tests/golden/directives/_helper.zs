# Helper loaded by the @load tests; its zeek_init handler shows how often it was loaded.
module Helper;

export {
	global greet: function(who: string): string;
	const version = 3;
}

function greet(who: string): string
	{
	return "hello " + who;
	}

event zeek_init() &priority=10
	{
	print "helper zeek_init";
	}
