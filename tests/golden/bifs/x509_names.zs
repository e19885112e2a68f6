# x509_check_hostname: exact names, and a wildcard that ends the leftmost
# label of a name with at least three labels, matching one host label.
for ( _, pair in vector(vector("www.example.org", "www.example.org"),
                       vector("www.example.org", "*.example.org"),
                       vector("a.b.example.org", "*.example.org"),
                       vector("web1.example.org", "web*.example.org"),
                       vector("mail.example.org", "web*.example.org"),
                       vector("example.org", "*.org"),
                       vector("www.example.org", "*"),
                       vector("www.example.org", "w*w.example.org")) )
	print pair[0], pair[1], x509_check_hostname(pair[0], pair[1]);

# parse_distinguished_name: RFC 2253 text of a DER name, last RDN first.
# This one has a UTF-8 organization with a comma, a two-valued RDN, an
# unknown attribute type, a BMPString common name that starts with '#' and
# ends with a space, and a serial number that is not a string.
print parse_distinguished_name("\x30\x77\x31\x0b\x30\x09\x06\x03\x55\x04\x06\x13\x02\x44\x45\x31\x1d\x30\x1b\x06\x03\x55\x04\x0a\x0c\x14\x4d\xc3\xbc\x6c\x6c\x65\x72\x2c\x20\x53\xc3\xb6\x68\x6e\x65\x20\x26\x20\x43\x6f\x31\x1e\x30\x0d\x06\x03\x55\x04\x0b\x13\x06\x55\x6e\x69\x74\x20\x41\x30\x0d\x06\x03\x55\x04\x0b\x13\x06\x55\x6e\x69\x74\x20\x42\x31\x0b\x30\x09\x06\x04\x2a\x03\x04\x05\x13\x01\x78\x31\x0f\x30\x0d\x06\x03\x55\x04\x03\x1e\x06\x00\x23\x03\xa9\x00\x20\x31\x0b\x30\x09\x06\x03\x55\x04\x05\x02\x02\x01\x02");
# Not a DER name (a length past the end): the empty string.
print "[" + parse_distinguished_name("\x30\x30\x31") + "]";
