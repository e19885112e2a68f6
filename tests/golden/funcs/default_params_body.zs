# Where &default values come from: a function's body may add or override
# them (the body's win, the declaration's fill the gaps); an event or hook
# handler takes only its declaration's, and a &default on a handler of a
# declared event is reported as having no effect.
global declared_plain: function(a: string, b: string);
global declared_defaults: function(a: string &default="A", b: string &default="B");
global both: function(a: string &default="decl", b: string &default="decl");
global partly: function(a: string &default="decl-a", b: string &default="decl-b");
global ev: event(a: string, b: string &default="from-declaration");
global hk: hook(n: count &default=1);

function declared_plain(a: string &default="body-a", b: string &default="body-b")
	{
	print "declared_plain", a, b;
	}

function declared_defaults(a: string, b: string)
	{
	print "declared_defaults", a, b;
	}

function both(a: string &default="body", b: string &default="body")
	{
	print "both", a, b;
	}

function partly(a: string, b: string &default="body-b")
	{
	print "partly", a, b;
	}

event ev(a: string, b: string &default="from-handler")
	{
	print "ev", a, b;
	}

hook hk(n: count &default=99)
	{
	print "hk", n;
	}

event undeclared(s: string &default="handler default")
	{
	print "undeclared", s;
	}

event zeek_init()
	{
	declared_plain();
	declared_defaults();
	both();
	partly();
	partly("x");
	event ev("a");
	hook hk();
	event undeclared();
	}
