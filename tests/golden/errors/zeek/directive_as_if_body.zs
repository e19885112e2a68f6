# @expect-fail
# @error-format: zeek
# @else as the body of an if: Zeek reports it at the token after the body,
# here the @endif that closes the skipped branch.
event zeek_init()
	{
@if ( T )
	if ( F )
@else
	if ( F )
@endif
		print "never";
	}
