# Recursive functions and functions declared before they are defined.
global fib: function(n: count): count;

function fact(n: count): count
	{
	if ( n <= 1 )
		return 1;
	return n * fact(n - 1);
	}

event zeek_init()
	{
	print fact(5), fact(10), fib(15);
	}

function fib(n: count): count
	{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
	}
