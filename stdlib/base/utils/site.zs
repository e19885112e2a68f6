##! What is local to the monitored site (Zeek's ``base/utils/site``): its
##! networks, neighbours and the administrators of its networks.

module Site;

export {
	## Address space reserved for private, documentation and special use
	## (RFC 1918, 5737, 6598, 6890, 4193, 3849 ...).
	option private_address_space: set[subnet] = {
		0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16,
		172.16.0.0/12, 192.0.0.0/24, 192.0.2.0/24, 192.168.0.0/16, 198.18.0.0/15,
		198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/24, 239.0.0.0/8, 240.0.0.0/4,
		255.255.255.255/32, [::]/128, [::1]/128, [64:ff9b:1::]/48, [100::]/64,
		[2001::]/23, [2001:2::]/48, [2001:db8::]/32, [fc00::]/7, [fe80::]/10,
		[fec0::]/10,
	};

	## The site's own networks.
	option local_nets: set[subnet] = {};

	## Whether the private address space counts as local.
	const private_address_space_is_local = T &redef;

	## Networks the site talks to a lot.
	option neighbor_nets: set[subnet] = {};

	## Who administers which network (e-mail addresses).
	option local_admins: table[subnet] of set[string] = {};

	## The site's DNS zones, and its neighbours'.
	option local_zones: set[string] = {};
	option neighbor_zones: set[string] = {};

	## Whether ``a`` is in :zeek:see:`Site::local_nets`.
	global is_local_addr: function(a: addr): bool;
	## Whether ``a`` is in :zeek:see:`Site::neighbor_nets`.
	global is_neighbor_addr: function(a: addr): bool;
	## Whether ``a`` is in :zeek:see:`Site::private_address_space`.
	global is_private_addr: function(a: addr): bool;
	## Whether ``name`` is in one of the local zones.
	global is_local_name: function(name: string): bool;
	## Whether ``name`` is in one of the neighbour zones.
	global is_neighbor_name: function(name: string): bool;
	## The admins of every network of :zeek:see:`Site::local_admins` that
	## holds ``a``, comma-separated ("" if none).
	global get_emails: function(a: addr): string;
}

function is_local_addr(a: addr): bool
	{
	return a in local_nets ||
	       (private_address_space_is_local && |local_nets| > 0 && a in private_address_space);
	}

function is_neighbor_addr(a: addr): bool
	{
	return a in neighbor_nets;
	}

function is_private_addr(a: addr): bool
	{
	return a in private_address_space;
	}

# Whether ``name`` is one of ``zones`` or below one.
function in_zones(name: string, zones: set[string]): bool
	{
	for ( z in zones )
		if ( name == z || ends_with(name, "." + z) )
			return T;
	return F;
	}

function is_local_name(name: string): bool
	{
	return in_zones(name, local_zones);
	}

function is_neighbor_name(name: string): bool
	{
	return in_zones(name, neighbor_zones);
	}

function get_emails(a: addr): string
	{
	local emails: set[string] = set();
	for ( net, admins in local_admins )
		if ( a in net )
			for ( e in admins )
				if ( e != "" )
					add emails[e];
	local out = "";
	for ( e in emails )
		out = out == "" ? e : fmt("%s, %s", out, e);
	return out;
	}
