##! IP and MAC addresses in text (Zeek's ``base/utils/addrs``).
##!
##! The patterns below find IPv4 and IPv6 addresses inside strings;
##! :zeek:see:`extract_ip_addresses` uses them to pull every valid address
##! out of a string.  :zeek:see:`addr_to_uri` writes an address the way a URI
##! needs it (IPv6 in brackets) and :zeek:see:`normalize_mac` brings a MAC
##! address into the ``xx:xx:xx:xx:xx:xx`` form.
##!
##! Where alternatives could match text of different lengths the longer one
##! comes first, so a search finds the whole address rather than a prefix.

module GLOBAL;

export {
	## One decimal part of a dotted IPv4 address (0 to 255, with at most
	## one leading zero for three digits).
	const ipv4_decim = /25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0[0-9][0-9]|[0-9][0-9]?/;

	## A dotted IPv4 address.
	const ipv4_addr_regex = ipv4_decim & /\./ & ipv4_decim & /\./ & ipv4_decim & /\./ & ipv4_decim;

	## One group of an IPv6 address: one to four hex digits.
	const ipv6_hextet = /[0-9A-Fa-f]{1,4}/;

	## An IPv6 address written out in full: eight groups.
	const ipv6_8hex_regex = /([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}/;

	## An IPv6 address of six groups followed by an IPv4 address.
	const ipv6_hex4dec_regex = /([0-9A-Fa-f]{1,4}:){6}/ & ipv4_addr_regex;

	## An IPv6 address with ``::`` standing for one or more zero groups, by
	## the number of groups before the ``::``.
	const ipv6_compressed_lead_hextets0 = /::[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){0,6}|::/;
	const ipv6_compressed_lead_hextets1 = /[0-9A-Fa-f]{1,4}::([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){0,5})?/;
	const ipv6_compressed_lead_hextets2 = /([0-9A-Fa-f]{1,4}:){2}:([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){0,4})?/;
	const ipv6_compressed_lead_hextets3 = /([0-9A-Fa-f]{1,4}:){3}:([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){0,3})?/;
	const ipv6_compressed_lead_hextets4 = /([0-9A-Fa-f]{1,4}:){4}:([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){0,2})?/;
	const ipv6_compressed_lead_hextets5 = /([0-9A-Fa-f]{1,4}:){5}:([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4})?)?/;
	const ipv6_compressed_lead_hextets6 = /([0-9A-Fa-f]{1,4}:){6}:([0-9A-Fa-f]{1,4})?/;
	const ipv6_compressed_lead_hextets7 = /([0-9A-Fa-f]{1,4}:){7}:/;

	## Any IPv6 address with ``::`` and only hex groups.
	const ipv6_compressed_hex_regex = ipv6_compressed_lead_hextets7 |
	                                  ipv6_compressed_lead_hextets6 |
	                                  ipv6_compressed_lead_hextets5 |
	                                  ipv6_compressed_lead_hextets4 |
	                                  ipv6_compressed_lead_hextets3 |
	                                  ipv6_compressed_lead_hextets2 |
	                                  ipv6_compressed_lead_hextets1 |
	                                  ipv6_compressed_lead_hextets0;

	## An IPv6 address with ``::`` ending in an IPv4 address, by the number of
	## groups before the ``::``.
	const ipv6_compressed_hext4dec_lead_hextets0 = /::([0-9A-Fa-f]{1,4}:){0,5}/ & ipv4_addr_regex;
	const ipv6_compressed_hext4dec_lead_hextets1 = /[0-9A-Fa-f]{1,4}::([0-9A-Fa-f]{1,4}:){0,4}/ & ipv4_addr_regex;
	const ipv6_compressed_hext4dec_lead_hextets2 = /([0-9A-Fa-f]{1,4}:){2}:([0-9A-Fa-f]{1,4}:){0,3}/ & ipv4_addr_regex;
	const ipv6_compressed_hext4dec_lead_hextets3 = /([0-9A-Fa-f]{1,4}:){3}:([0-9A-Fa-f]{1,4}:){0,2}/ & ipv4_addr_regex;
	const ipv6_compressed_hext4dec_lead_hextets4 = /([0-9A-Fa-f]{1,4}:){4}:([0-9A-Fa-f]{1,4}:)?/ & ipv4_addr_regex;
	const ipv6_compressed_hext4dec_lead_hextets5 = /([0-9A-Fa-f]{1,4}:){5}:/ & ipv4_addr_regex;

	## Any IPv6 address with ``::`` ending in an IPv4 address.
	const ipv6_compressed_hex4dec_regex = ipv6_compressed_hext4dec_lead_hextets5 |
	                                      ipv6_compressed_hext4dec_lead_hextets4 |
	                                      ipv6_compressed_hext4dec_lead_hextets3 |
	                                      ipv6_compressed_hext4dec_lead_hextets2 |
	                                      ipv6_compressed_hext4dec_lead_hextets1 |
	                                      ipv6_compressed_hext4dec_lead_hextets0;

	## Any IPv6 address.
	const ipv6_addr_regex = ipv6_hex4dec_regex |
	                        ipv6_8hex_regex |
	                        ipv6_compressed_hex4dec_regex |
	                        ipv6_compressed_hex_regex;

	## Any IPv4 or IPv6 address.
	const ip_addr_regex = ipv6_addr_regex | ipv4_addr_regex;

	## Whether every string of ``octets`` is a number from 0 to 255.
	global has_valid_octets: function(octets: string_vec): bool;

	## Every valid IP address in ``input``, in order.  With
	## ``check_wrapping``, only addresses that make up the whole string or
	## are enclosed by a matching pair of spaces, brackets, braces or
	## parentheses (which keeps version numbers and the like out).
	global extract_ip_addresses: function(input: string, check_wrapping: bool &default=F): string_vec;

	## ``a`` as a URI writes a host: IPv6 addresses in square brackets.
	global addr_to_uri: function(a: addr): string;

	## The MAC address in ``a`` as lower-case hex pairs separated by colons
	## (six pairs, or eight for a 64-bit address); "" when ``a`` does not
	## hold 12 or 16 hex digits.
	global normalize_mac: function(a: string): string;
}

function has_valid_octets(octets: string_vec): bool
	{
	for ( _, o in octets )
		if ( o as count > 255 )
			return F;

	return T;
	}

# Whether the text before and after an address encloses it.
function wrapped(before: string, after: string): bool
	{
	if ( |before| == 0 && |after| == 0 )
		return T;

	if ( |before| == 0 || |after| == 0 )
		return F;

	local open = before[-1];
	local close = after[0];
	return (open == " " && close == " ") || (open == "(" && close == ")") ||
	       (open == "[" && close == "]") || (open == "{" && close == "}");
	}

function extract_ip_addresses(input: string, check_wrapping: bool &default=F): string_vec
	{
	local found: string_vec = vector();
	# Text and matches alternate: the matches have odd indexes.
	local parts = split_string_all(input, ip_addr_regex);
	local i = 1;

	while ( i < |parts| )
		{
		local candidate = parts[i];

		if ( is_valid_ip(candidate) &&
		     (! check_wrapping || (i + 1 < |parts| && wrapped(parts[i - 1], parts[i + 1]))) )
			found += candidate;

		i += 2;
		}

	return found;
	}

function addr_to_uri(a: addr): string
	{
	return is_v4_addr(a) ? cat(a) : fmt("[%s]", a);
	}

function normalize_mac(a: string): string
	{
	local digits = to_lower(gsub(a, /[^0-9A-Fa-f]/, ""));

	if ( |digits| != 12 && |digits| != 16 )
		return "";

	local pairs: string_vec = vector();
	local i = 0;

	while ( i < |digits| )
		{
		pairs += digits[i:i + 2];
		i += 2;
		}

	return join_string_vec(pairs, ":");
	}
