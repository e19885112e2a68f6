# Nested @if blocks; inner blocks of a false branch are skipped entirely.
const a = T;
const b = F;

@if ( a )
  @if ( b )
global result = "a and b";
  @else
global result = "a and not b";
  @endif
@else
  @if ( b )
global result = "b only";
  @else
global result = "neither";
  @endif
@endif

event zeek_init()
	{
	print result;
	}
