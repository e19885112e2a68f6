# @expect-fail
# A test of an error: the command must fail, and typo.err holds the message.

event zeek_init()
	{
	print gret("world");
	}
