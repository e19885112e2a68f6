# add_interface and add_signature_file (init-bare) join names with a space;
# a function's size is its number of parameters.
event zeek_init()
	{
	print add_interface("", "eth0");
	print add_interface(add_interface("", "eth0"), "eth1");
	print add_signature_file(add_signature_file("", "a.sig"), "b.sig");
	print |add_interface|;
	}
