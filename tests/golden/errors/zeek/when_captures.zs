# @expect-fail
# @error-format: zeek
# A when statement must capture the locals it uses, and only those.
global g = 0;

event zeek_init()
	{
	local orig1 = "hello";
	local orig2 = 3.5;

	when ( g > 0 )
		{
		print g;
		}

	when ( g > 0 )
		{
		print orig1;
		}

	when [orig1] ( g > 0 )
		{
		print orig1;
		}
	timeout 1 sec
		{
		print orig2;
		}

	when [orig1, orig2] ( g > 0 )
		{
		print orig1;
		}
	}
