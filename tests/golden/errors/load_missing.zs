# @expect-fail
# Loading (@load) a file that does not exist is a static error.
@load no_such_script_anywhere

event zeek_init()
	{
	print "not run";
	}
