# @expect-fail
# @error-format: zeek
# &expire_func: a function yielding an interval, taking the table and its
# index values (or the table and one 'any').
function ok_single(t: table[string] of count, s: string): interval
	{ return 0secs; }

function ok_any(t: table[string, string] of count, s: any): interval
	{ return 0secs; }

function no_params(): interval
	{ return 0secs; }

function no_return(t: table[string] of count, s: string)
	{ }

function wrong_index(t: table[string] of count, s: count): interval
	{ return 0secs; }

event an_event(t: table[string] of count)
	{ }

global a_number = 3;

global valid1: table[string] of count &expire_func=ok_single;
global valid2: table[string, string] of count &expire_func=ok_any;
global invalid1: table[string] of count &expire_func=no_params;
global invalid2: table[string] of count &expire_func=no_return;
global invalid3: table[string] of count &expire_func=wrong_index;
global invalid4: table[string] of count &expire_func=an_event;
global invalid5: table[string] of count &expire_func=a_number;
