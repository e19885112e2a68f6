# Appending a vector constructor to a vector of vectors adds it as one element.
event zeek_init()
	{
	local nested: vector of vector of count;
	nested += vector(7, 8);
	nested += vector(9);
	print nested, |nested|;
	}
