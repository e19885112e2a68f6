# Exported and module-private globals, used with and without their module prefix.
module Stats;

export {
	global total: count = 0;
	const max_items = 3;
	global bump: function(n: count): count;
}

global hidden = "private";

function bump(n: count): count
	{
	total += n;
	return total;
	}

module GLOBAL;

event zeek_init()
	{
	print Stats::bump(2), Stats::bump(5);
	print Stats::total, Stats::max_items;
	}
