# The packet filter is built from capture_filters, restrict_filters, the
# exclusions scripts add and the *_filter constants, and logged when it
# changes (nothing is captured: zscript reads no packets).
# @log: packet_filter.log
@load base/frameworks/packet-filter

redef capture_filters += { ["http"] = PacketFilter::port_to_bpf(80/tcp), ["dns"] = "udp and port 53" };
redef restrict_filters += { ["net"] = "net 10.0.0.0/8" };

event zeek_init() &priority=-10
	{
	print PacketFilter::current_filter;
	print PacketFilter::exclude("noisy", "host 10.1.2.3");
	print PacketFilter::current_filter;
	print PacketFilter::exclude("noisy", "host 10.1.2.3");
	print PacketFilter::exclude_for("brief", "host 10.9.9.9", 1 min);
	print PacketFilter::remove_exclude("noisy"), PacketFilter::remove_exclude("noisy");
	print PacketFilter::current_filter;
	print PacketFilter::combine_filters("", "and", "ip"), PacketFilter::port_to_bpf(53/udp);
	print PacketFilter::sampling_filter(4, 1);
	}

event zeek_done()
	{
	print PacketFilter::current_filter;
	}
