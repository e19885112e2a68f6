# backtrace() lists the running calls, innermost first (backtrace itself
# included): each one's name, its parameters with their types, the values
# passed and constant &default values, and where it was called from.
# print_backtrace (base/utils/backtrace) formats them.
@load base/utils/backtrace

function show(): count
	{
	local bt = backtrace();
	for ( i, e in bt )
		{
		local args = "";
		for ( _, a in e$function_args )
			args += fmt(" %s:%s=%s(default %s)", a$name, a$type_name,
			            a?$value ? cat(a$value) : "-",
			            a?$default_val ? cat(a$default_val) : "-");
		print fmt("%d %s%s line=%s", i, e$function_name, args,
		          e?$line_location ? cat(e$line_location) : "-");
		}
	return |bt|;
	}

function inner(n: count, label: string &default="dflt"): count
	{
	return show();
	}

function outer(r: double): count
	{
	return inner(7);
	}

event ping(who: string, delay: interval)
	{
	print "depth", outer(1.5);
	print_backtrace(T);
	print_backtrace(F, T, "|", 1);
	print_backtrace(F, T, "/", 100);
	}

event zeek_init()
	{
	event ping("peer", 2 secs);
	}
