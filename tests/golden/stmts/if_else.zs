# if / else if / else chains, with and without braces.
function classify(n: int): string
	{
	if ( n < 0 )
		return "negative";
	else if ( n == 0 )
		return "zero";
	else
		{
		if ( n > 100 )
			return "huge";
		return "positive";
		}
	}

event zeek_init()
	{
	print classify(-3), classify(0), classify(5), classify(500);
	if ( T ) print "one-line if";
	if ( F ) print "no"; else print "one-line else";
	}
