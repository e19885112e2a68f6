# @expect-fail
# @error-format: zeek
# @if is decided while the script loads, before any body runs: inside a body
# it cannot use the body's locals (a global of the same name is fine).
global ready = T;

event zeek_init()
	{
	local n = 1;
	@if ( ready && n > 0 )
		print "a";
	@else
		print "b";
	@endif
	@if ( ready )
		print "c";
	@endif
	}
