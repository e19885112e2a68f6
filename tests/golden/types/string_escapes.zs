# print shows bytes outside printable ASCII as \xNN; backslashes and quotes print as they are.
event zeek_init()
	{
	print "\x41\x42", "a\\b", "say \"hi\"";
	print "caf\xc3\xa9", "del\x7f", "tab\tx", "nul\x00end";
	print |"\x00"|, |"caf\xc3\xa9"|;
	print fmt("%s|", "\x01");
	}
