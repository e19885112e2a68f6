# The software framework: version texts taken apart, one log line per new
# version of a program on a host, version_change when it differs, and the
# vulnerable-versions notice.
# @log: software.log
# @log: notice.log
@load frameworks/software/vulnerable

redef Site::local_nets += { 10.0.0.0/8 };
redef Software::vulnerable_versions += {
	["Apache"] = set([$min=Software::Version($major=2, $minor=4), $max=Software::Version($major=2, $minor=4, $minor2=49)]),
};

event Software::version_change(old: Software::Info, new: Software::Info)
	{
	print "change", Software::software_fmt(old), Software::software_fmt(new);
	}

event zeek_init() &priority=-10
	{
	local id = conn_id($orig_h=10.0.0.1, $orig_p=1234/tcp, $resp_h=10.0.0.2, $resp_p=80/tcp, $proto=6);
	for ( _, text in vector("Apache/2.4.41 (Ubuntu)", "Apache/2.4.41 (Ubuntu)", "Apache/2.4.58", "OpenSSH_8.9p1 Ubuntu-3") )
		print Software::found(id, [$host=10.0.0.2, $host_p=80/tcp, $unparsed_version=text]);
	# A remote host is not tracked (asset_tracking is LOCAL_HOSTS).
	print Software::found(id, [$host=8.8.8.8, $unparsed_version="nginx/1.2"]);
	local v1 = Software::Version($major=1, $minor=7);
	local v2 = Software::Version($major=1, $minor=7, $minor2=0);
	local v3 = Software::Version($major=1, $minor=7, $addl="beta");
	print Software::cmp_versions(v1, v2), Software::cmp_versions(v2, v1), Software::cmp_versions(v1, v1), Software::cmp_versions(v1, v3);
	print Software::software_fmt_version(v3);
	}
