##! Notice e-mails name the notice's hosts: the reverse DNS names of
##! ``$src`` and ``$dst`` are added to the e-mail's extension sections
##! (Zeek's ``policy/frameworks/notice/extend-email/hostnames``).  The
##! e-mail waits for the lookups (its delay tokens) at most
##! :zeek:see:`Notice::max_email_delay`.

@load base/frameworks/notice

module Notice;

# Notices whose e-mail waits for lookups, by a unique id (``when`` bodies
# work on copies of what they capture: they reach the notice through here).
global waiting_for_names: table[string] of Notice::Info &create_expire=max_email_delay + 10secs;

# Looks up ``host``'s name and adds it to the notice's e-mail as ``label``.
function add_hostname(uid: string, host: addr, token: string, label: string)
	{
	add waiting_for_names[uid]$email_delay_tokens[token];
	when [uid, host, token, label] ( local name = lookup_addr(host) )
		{
		if ( uid !in waiting_for_names )
			return;
		local n = waiting_for_names[uid];
		n$email_body_sections += fmt("%s: %s\n", label, name);
		delete n$email_delay_tokens[token];
		}
	}

hook notice(n: Notice::Info) &priority=-1
	{
	if ( (! n?$src && ! n?$dst) || |n$email_dest| == 0 )
		return;
	local uid = unique_id("");
	waiting_for_names[uid] = n;
	if ( n?$src )
		add_hostname(uid, n$src, "hostnames-src", "orig/src hostname");
	if ( n?$dst )
		add_hostname(uid, n$dst, "hostnames-dst", "resp/dst hostname");
	}
