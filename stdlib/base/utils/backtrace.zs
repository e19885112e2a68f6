##! Printing the script call stack that :zeek:id:`backtrace` returns.

## Print the calls that led here, innermost first, one per line as
## ``#N: name(args) at FILE:LINE`` (or all on one line).
##
## show_args: include each parameter's name, type and value.
##
## one_line: print everything on one line, the entries separated by
##           *one_line_delim*.
##
## one_line_delim: the separator for *one_line*.
##
## skip: how many of the innermost entries to leave out; the first is the
##       call of :zeek:id:`backtrace` made here, so the default (1) starts
##       with this function's own entry and 2 with its caller's.
##
## to_file: where to print.
function print_backtrace(show_args: bool &default=F,
                         one_line: bool &default=F,
                         one_line_delim: string &default="|",
                         skip: count &default=1,
                         to_file: file &default=open("/dev/stdout"))
	{
	local calls = backtrace();
	local lines: vector of string;
	local n = 0;

	for ( i, call in calls )
		{
		if ( i < skip )
			next;

		local params: vector of string;
		if ( show_args )
			for ( _, a in call$function_args )
				params += a?$value ? fmt("%s: %s = %s", a$name, a$type_name, a$value)
				                   : fmt("%s: %s", a$name, a$type_name);

		local where = call?$file_location
		    ? fmt(" at %s:%s", call$file_location, call$line_location) : "";
		lines += fmt("#%d: %s(%s)%s", n, call$function_name, join_string_vec(params, ", "), where);
		++n;
		}

	if ( ! one_line )
		{
		for ( _, line in lines )
			print to_file, line;
		return;
		}

	local out = "";
	for ( _, line in lines )
		out += fmt("%s %s ", one_line_delim, line);
	print to_file, |lines| > 0 ? out + one_line_delim : "";
	}
