# Vectors of records: construction, field updates through the vector, and iteration.
type Task: record {
	name: string;
	done: bool &default=F;
};

event zeek_init()
	{
	local tasks: vector of Task = vector(Task($name="a"), Task($name="b"));
	tasks += Task($name="c", $done=T);
	tasks[0]$done = T;
	for ( i, t in tasks )
		print i, t$name, t$done;
	print tasks[1];
	}
