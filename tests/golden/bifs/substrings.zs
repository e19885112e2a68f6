# sub_bytes (1-based start) and strstr (1-based position, 0 if absent).
event zeek_init()
	{
	local s = "hello world";
	print sub_bytes(s, 1, 5), sub_bytes(s, 7, 5), sub_bytes(s, 7, 100);
	print strstr(s, "world"), strstr(s, "o"), strstr(s, "xyz");
	print starts_with(s, "hell"), ends_with(s, "world"), ends_with(s, "hello");
	}
