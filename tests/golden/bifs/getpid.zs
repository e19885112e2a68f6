# getpid returns the (positive) process id as a count; its value is not printed.
event zeek_init()
	{
	local pid = getpid();
	print pid > 0, type_name(pid), pid == getpid();
	}
