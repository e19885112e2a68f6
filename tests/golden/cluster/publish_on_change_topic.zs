# @expect-fail
# A topic function must take the table's index and return a string.

function by_key(k: string): count
	{
	return 1;
	}

global t: table[string] of count &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW), $topic=by_key];
global u: set[string, count] &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW), $topic=3];
