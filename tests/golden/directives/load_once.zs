# Loading the same file several times (by different spellings) loads it only once.
@load _helper
@load _helper.zs
@load _lib/../_helper

event zeek_init()
	{
	print Helper::version;
	}
