# @expect-fail
# @error-format: zeek
# 'hook' binds looser than comparisons and arithmetic, tighter than &&.
hook h(i: count)
	{
	if ( i == 0 ) break;
	}

event zeek_init()
	{
	print hook h(1), ! hook h(0), hook h(1) && T;
	hook 2+2;
	print hook 2+2;
	}
