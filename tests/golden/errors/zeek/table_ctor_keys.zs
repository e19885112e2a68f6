# @expect-fail
# @error-format: zeek
# Without a declared type, a table constructor needs each key in brackets.
global typed: table[string] of port = table("SSH" = 22/tcp);

event zeek_init()
	{
	print table("SSH" = 22/tcp, "HTTPS" = 443/tcp);
	local ok = table(["one"] = 1);
	}
