# Analyzer tags exist in bare mode as in Zeek; the analyzer framework keeps
# which analyzers are disabled and the ports registered for them, and
# get_plugin_components lists the components of a category.
redef Analyzer::disabled_analyzers += { Analyzer::ANALYZER_SSH };

event zeek_init()
	{
	print Analyzer::name(Analyzer::ANALYZER_FTP_DATA), Analyzer::name(Analyzer::ANALYZER_HTTP);
	print Analyzer::is_enabled(Analyzer::ANALYZER_SSH), Analyzer::is_enabled(Analyzer::ANALYZER_DNS);
	Analyzer::disable_analyzer(Analyzer::ANALYZER_DNS);
	Analyzer::enable_analyzer(Analyzer::ANALYZER_SSH);
	print Analyzer::is_enabled(Analyzer::ANALYZER_SSH), Analyzer::is_enabled(Analyzer::ANALYZER_DNS);
	Analyzer::register_for_ports(Analyzer::ANALYZER_HTTP, set(80/tcp, 8080/tcp));
	Analyzer::register_for_port(Analyzer::ANALYZER_HTTP, 8000/tcp);
	print |Analyzer::registered_ports(Analyzer::ANALYZER_HTTP)|, 8080/tcp in Analyzer::registered_ports(Analyzer::ANALYZER_HTTP);
	print |Analyzer::registered_ports(Analyzer::ANALYZER_FTP)|, |Analyzer::all_registered_ports()|;
	for ( _, c in get_plugin_components("ANALYZER") )
		if ( c$name in set("FTP_Data", "DNS") )
			print c;
	for ( _, c in get_plugin_components("PACKET_ANALYZER") )
		if ( c$name == "VXLAN" )
			print c;
	print |get_plugin_components("FILE_ANALYZER")| > 0;
	print PacketAnalyzer::ANALYZER_VXLAN, Files::ANALYZER_MD5;
	}
