##! Helpers for numbers embedded in strings (Zeek's ``base/utils/numbers``).

## Returns the first (or last) run of decimal digits in *s* as a count,
## or 0 when *s* holds no digits.
##
## s: the string to search.
##
## get_first: return the first run of digits (T) or the last one (F).
function extract_count(s: string, get_first: bool &default=T): count
	{
	local run = "";
	local found = "";

	for ( c in s )
		{
		if ( c >= "0" && c <= "9" )
			{
			run += c;
			next;
			}

		if ( |run| > 0 )
			{
			found = run;
			run = "";

			if ( get_first )
				break;
			}
		}

	if ( |run| > 0 && (|found| == 0 || ! get_first) )
		found = run;

	return |found| > 0 ? to_count(found) : 0;
	}
