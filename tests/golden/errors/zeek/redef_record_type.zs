# @expect-fail
# @error-format: zeek
# Extending a record needs 'redef record'; Zeek's parser stops at the name.
type Info: record {
	s1: string;
};

redef Info += {
	s2: string;
};
