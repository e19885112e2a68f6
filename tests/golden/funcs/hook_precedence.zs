# 'hook' binds looser than comparisons, tighter than && (as in Zeek), and an
# operator may come before it.
hook h(i: count)
	{
	if ( i == 0 ) break;
	}

event zeek_init()
	{
	print hook h(1), ! hook h(0), hook h(1) && F, ! hook h(1) || T;
	local x = hook h(0);
	print x;
	}
