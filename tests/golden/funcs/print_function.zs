# Printing a function shows its name, its type and its body in Zeek's
# describe form.
function add1(n: count): count
	{
	if ( n > 10 )
		return n;
	else
		print "small", n;
	for ( i in set(1, 2) )
		next;
	while ( F )
		break;
	assert n < 100, "too big";
	return n + 1;
	}

function nothing()
	{
	}

event zeek_init()
	{
	print add1;
	print nothing;
	print fmt("%s", nothing);
	}
