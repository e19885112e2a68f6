# &default can be a function of the missing key.
function make_label(k: count): string
	{
	return fmt("label-%d", k);
	}

global labels: table[count] of string &default=make_label;
global squares: table[count] of count &default=function(k: count): count { return k * k; };

event zeek_init()
	{
	labels[1] = "one";
	print labels[1], labels[2];
	print squares[7], |squares|;
	}
