# @env: ZEEK_SEED_FILE=_uid_seeds
# anonymize_addr picks the method by the address's class and the script's
# *_addr_anonymization globals; with a seed file every method's output
# repeats from run to run.  The checks print T where a method must keep a
# property whatever the seed: the same input gives the same output, and the
# prefix-preserving methods keep a shared prefix shared.
global orig_addr_anonymization = PREFIX_PRESERVING_A50;
global resp_addr_anonymization = SEQUENTIALLY_NUMBERED;
global other_addr_anonymization = PREFIX_PRESERVING_SHA256;
global preserve_resp_addr: set[addr] = { 10.0.0.1 };

function same24(a: addr, b: addr): bool
	{
	return mask_addr(a, 24) == mask_addr(b, 24);
	}

function same16(a: addr, b: addr): bool
	{
	return mask_addr(a, 16) == mask_addr(b, 16);
	}

global errors: event();

event zeek_init()
	{
	# A50, with 192.168.1.0/24 kept as it is.
	preserve_subnet(192.168.1.0/24);
	local a1 = anonymize_addr(192.168.1.7, ORIG_ADDR);
	local a2 = anonymize_addr(192.168.1.9, ORIG_ADDR);
	local a3 = anonymize_addr(192.168.77.9, ORIG_ADDR);
	print a1, a2, a3;
	print "A50 keeps the preserved /24", same24(a1, 192.168.1.0), same24(a2, 192.168.1.0);
	print "A50 keeps the shared /16", same16(a1, a3), ! same24(a1, a3);
	print "A50 repeats", anonymize_addr(192.168.1.7, ORIG_ADDR) == a1;

	# Sequential numbers; preserve_resp_addr's address stays.
	print anonymize_addr(1.1.1.1, RESP_ADDR), anonymize_addr(2.2.2.2, RESP_ADDR),
	      anonymize_addr(1.1.1.1, RESP_ADDR), anonymize_addr(10.0.0.1, RESP_ADDR);

	# Prefix-preserving from keyed SHA-256 digests.
	local s1 = anonymize_addr(8.8.8.8, OTHER_ADDR);
	local s2 = anonymize_addr(8.8.8.9, OTHER_ADDR);
	local s3 = anonymize_addr(8.8.4.4, OTHER_ADDR);
	print s1, s2, s3;
	print "SHA256 prefixes", same24(s1, s2), same16(s1, s3), ! same24(s1, s3);

	schedule 1sec { errors() };
	}

event errors()
	{
	# Too late once anonymization has begun.
	preserve_prefix(172.16.0.0, 12);
	# IPv6 is not supported.
	print anonymize_addr([2001:db8::1], ORIG_ADDR);
	}
