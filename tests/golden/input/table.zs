# Reading a TSV file into a table: columns by name, sets, optional and
# unset fields, an event per entry, warnings for lines that cannot be used.
@load base/frameworks/input

redef exit_only_after_terminate = T;

type Idx: record {
	ip: addr;
};

type Val: record {
	name: string &optional;
	ports: set[port];
	ok: bool;
};

global hosts: table[addr] of Val = table();

event host_entry(desc: Input::TableDescription, tpe: Input::Event, idx: Idx, val: Val)
	{
	print tpe, idx$ip, val?$name ? val$name : "<no name>", |val$ports|, val$ok;
	}

event Input::end_of_data(name: string, source: string)
	{
	print "end of data", name, source, |hosts|;
	print 10.0.0.1 in hosts, 22/tcp in hosts[10.0.0.1]$ports, 53/tcp in hosts[10.0.0.3]$ports;
	print hosts[10.0.0.2];
	Input::remove(name);
	terminate();
	}

event zeek_init()
	{
	Input::add_table([$source="hosts.tsv", $name="hosts", $idx=Idx, $val=Val,
	                  $destination=hosts, $ev=host_entry]);
	}
