# Directives @ifdef / @ifndef test whether an identifier is declared at that point.
global present = 1;

@ifdef ( present )
global r1 = "present is defined";
@endif

@ifdef ( absent )
global r2 = "absent is defined";
@else
global r2 = "absent is not defined";
@endif

@ifndef ( absent )
global absent = "now defined";
@endif

@ifndef ( present )
global r3 = "not reached";
@endif

event zeek_init()
	{
	print r1, r2, absent;
	@ifdef ( r3 )
	print "r3 exists";
	@endif
	}
