##! A notice when a host runs a version of a program known to be vulnerable
##! (Zeek's ``policy/frameworks/software/vulnerable``): list the vulnerable
##! ranges per program in :zeek:see:`Software::vulnerable_versions`.

@load base/frameworks/notice
@load base/frameworks/software

module Software;

export {
	redef enum Notice::Type += {
		## A host runs a version in one of the vulnerable ranges.
		Vulnerable_Version,
	};

	## The versions from ``min`` (no lower bound when missing) to ``max``,
	## both included.
	type VulnerableVersionRange: record {
		min: Software::Version &optional;
		max: Software::Version;
	};

	## The vulnerable ranges of each program, by name.
	const vulnerable_versions: table[string] of set[VulnerableVersionRange] = table() &redef;
}

## Is ``v`` in range ``r``?
function in_range(v: Version, r: VulnerableVersionRange): bool
	{
	if ( r?$min && cmp_versions(v, r$min) < 0 )
		return F;
	return cmp_versions(v, r$max) <= 0;
	}

event Software::log_software(rec: Info)
	{
	if ( ! rec?$name || ! rec?$version || rec$name !in vulnerable_versions )
		return;
	for ( r in vulnerable_versions[rec$name] )
		{
		if ( ! in_range(rec$version, r) )
			next;
		NOTICE([$note=Vulnerable_Version, $src=rec$host,
		        $msg=fmt("%s is running %s which is vulnerable.", rec$host, software_fmt(rec)),
		        $sub=software_fmt(rec)]);
		return;
		}
	}
