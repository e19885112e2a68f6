##! Building BPF filter texts (Zeek's ``base/frameworks/packet-filter/utils``).

module PacketFilter;

export {
	## The filter matching port ``p`` of its protocol: ``tcp and port 80``.
	global port_to_bpf: function(p: port): string;

	## ``(lfilter) op (rfilter)``; an empty side is left out.
	global combine_filters: function(lfilter: string, op: string, rfilter: string): string;

	## A filter keeping part ``this_part`` of ``num_parts`` of the traffic,
	## by the sum of the hosts' addresses (IPv4 and IPv6).
	global sampling_filter: function(num_parts: count, this_part: count): string;
}

function port_to_bpf(p: port): string
	{
	return fmt("%s and port %d", get_port_transport_proto(p), p);
	}

function combine_filters(lfilter: string, op: string, rfilter: string): string
	{
	if ( lfilter == "" )
		return rfilter;
	if ( rfilter == "" )
		return lfilter;
	return fmt("(%s) %s (%s)", lfilter, op, rfilter);
	}

## The part of the traffic whose address sum ``sum`` (a BPF expression) has
## remainder ``this_part`` modulo ``num_parts``.
function sample_by(proto: string, sum: string, num_parts: count, this_part: count): string
	{
	return fmt("%s and ((%s) - (%d*((%s)/%d)) == %d)", proto, sum, num_parts, sum, num_parts,
	           this_part);
	}

function sampling_filter(num_parts: count, this_part: count): string
	{
	return combine_filters(sample_by("ip", "ip[14:2]+ip[18:2]", num_parts, this_part), "or",
	                       sample_by("ip6", "ip6[22:2]+ip6[38:2]", num_parts, this_part));
	}
