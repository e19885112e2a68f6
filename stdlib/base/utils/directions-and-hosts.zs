##! Which side of a connection, or which hosts, a script cares about
##! (Zeek's ``base/utils/directions-and-hosts``): "local" means
##! :zeek:see:`Site::is_local_addr`.

@load ./site

## Directions of a connection relative to the local networks.
type Direction: enum {
	## From a remote host to a local one.
	INBOUND,
	## From a local host to a remote one.
	OUTBOUND,
	## Either of the two.
	BIDIRECTIONAL,
	## Never matches.
	NO_DIRECTION,
};

## Does connection ``id`` go in direction ``d``?
function id_matches_direction(id: conn_id, d: Direction): bool
	{
	local from_local = Site::is_local_addr(id$orig_h);
	local to_local = Site::is_local_addr(id$resp_h);
	switch ( d ) {
	case INBOUND:
		return to_local && ! from_local;
	case OUTBOUND:
		return from_local && ! to_local;
	case BIDIRECTIONAL:
		return from_local != to_local;
	}
	return F;
	}

## Kinds of hosts relative to the local networks.
type Host: enum {
	## Hosts in the local networks.
	LOCAL_HOSTS,
	## Hosts outside them.
	REMOTE_HOSTS,
	## Every host.
	ALL_HOSTS,
	## No host.
	NO_HOSTS,
};

## Is ``ip`` a host of kind ``h``?
function addr_matches_host(ip: addr, h: Host): bool
	{
	switch ( h ) {
	case ALL_HOSTS:
		return T;
	case LOCAL_HOSTS:
		return Site::is_local_addr(ip);
	case REMOTE_HOSTS:
		return ! Site::is_local_addr(ip);
	}
	return F;
	}
