# @expect-fail
# Did-you-mean hints also consider locals and parameters.
function total(values: vector of count): count
	{
	local result = 0;
	for ( i in value )
		result += values[i];
	return reslt;
	}
