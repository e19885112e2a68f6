# @expect-fail
# @error-format: zeek
# A handler must match the canonical prototype or a declared alternate one.
global my_event: event(s: string, c: count);

module M;

export {
	global ev: event(c: count);
}

event my_event(s: string, c: count)
	{
	}

event my_event(c: count, s: string)
	{
	}

event M::ev(s: string)
	{
	}
