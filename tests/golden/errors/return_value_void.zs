# @expect-fail
# A function without a return type cannot return a value, and one with a return type must return one of that type.
function f()
	{
	return 1;
	}

function g(): string
	{
	return 5;
	}
