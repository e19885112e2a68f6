# A table with &backend still works as an ordinary local table when run standalone.
global remote_state: table[string] of count &backend=Broker::MEMORY;

event zeek_init()
	{
	remote_state["a"] = 1;
	print remote_state["a"], |remote_state|;
	}
