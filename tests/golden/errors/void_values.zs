# @expect-fail
# Indexing a set gives no value: the message says to use 'in'.
global s = set(1, 2);

event zeek_init()
	{
	print |s[1]|;
	}
