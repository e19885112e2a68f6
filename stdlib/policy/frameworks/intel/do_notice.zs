##! Raise a notice for matches of items whose metadata asks for one
##! (``$do_notice``, optionally only where ``$if_in`` says; Zeek's
##! ``policy/frameworks/intel/do_notice``).

@load base/frameworks/intel
@load base/frameworks/notice

module Intel;

export {
	redef enum Notice::Type += {
		## A match of an item with ``$do_notice`` set.
		Intel::Notice
	};

	redef record Intel::MetaData += {
		## Raise a notice on a match.
		do_notice: bool &default=F;
		## ... only when seen here.
		if_in: Intel::Where &default=IN_ANYWHERE;
	};
}

event Intel::match(s: Seen, items: set[Item])
	{
	for ( item in items )
		{
		if ( ! item$meta$do_notice ||
		     (item$meta$if_in != IN_ANYWHERE && s$where != item$meta$if_in) )
			next;
		local n = Notice::Info($note=Intel::Notice, $sub=s$indicator,
		                       $msg=fmt("Intel hit on %s at %s", s$indicator, s$where));
		local services = "";
		if ( s?$conn )
			{
			n$conn = s$conn;
			# One notice per indicator and pair of hosts, either direction.
			local id = s$conn$id;
			n$identifier = id$orig_h < id$resp_h ? cat(s$indicator, id$orig_h, id$resp_h)
			                                      : cat(s$indicator, id$resp_h, id$orig_h);
			if ( s$conn?$service )
				for ( svc in s$conn$service )
					services = cat(services, svc, " ");
			}
		n$email_body_sections = vector(fmt("Service: %s\n", services),
		                               fmt("Intel source: %s\n", item$meta$source));
		NOTICE(n);
		}
	}
