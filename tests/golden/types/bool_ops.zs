# Boolean literals, logical operators and short-circuit evaluation.
function side(tag: string, v: bool): bool
	{
	print "eval", tag;
	return v;
	}

event zeek_init()
	{
	local t = T;
	local f = F;
	print t, f, !t, t && f, t || f;
	print side("a", F) && side("b", T);
	print side("c", T) || side("d", T);
	print T == T, T != F;
	}
