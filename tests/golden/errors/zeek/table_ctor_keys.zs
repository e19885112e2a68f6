# @expect-fail
# @error-format: zeek
# A table(...) constructor takes no type from its context (Zeek's
# TableConstructorExpr), so each key needs brackets, declared variable or not.
global typed: table[string] of port = table("SSH" = 22/tcp);

event zeek_init()
	{
	print table("SSH" = 22/tcp, "HTTPS" = 443/tcp);
	local ok = table(["one"] = 1);
	}
