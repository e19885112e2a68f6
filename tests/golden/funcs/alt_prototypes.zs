# Alternate event prototypes: a handler may declare a subset of the parameters, by name.
global report: event(host: string, port_num: count, detail: string);
global report: event(host: string, detail: string);
global report: event(detail: string);

event report(host: string, port_num: count, detail: string)
	{
	print "full", host, port_num, detail;
	}

event report(host: string, detail: string)
	{
	print "no port", host, detail;
	}

event report(detail: string)
	{
	print "detail only", detail;
	}

event zeek_init()
	{
	event report("h1", 80, "open");
	}
