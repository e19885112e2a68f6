# Reading an unset &optional field is a runtime error ("field value missing").
type Rec: record {
	name: string;
	nick: string &optional;
};

function show(r: Rec)
	{
	print "name", r$name;
	print "nick", r$nick;
	}

event ev(r: Rec)
	{
	show(r);
	print "after show";
	}

event zeek_init()
	{
	event ev(Rec($name="ann"));
	event ev(Rec($name="bob", $nick="b"));
	}
