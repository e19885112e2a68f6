# Edge cases of sub_bytes, strstr, split_string and join_string_vec (empty strings, out-of-range positions).
event zeek_init()
	{
	local s = "hello";
	print sub_bytes(s, 0, 2), sub_bytes(s, 2, -1), sub_bytes(s, 4, 10);
	print |sub_bytes(s, 6, 2)|, |sub_bytes(s, 7, 1)|, |sub_bytes(s, 3, 0)|;
	print strstr(s, ""), strstr("", "a"), strstr(s, "hello!"), strstr(s, "lo");
	print |split_string("", /,/)|, split_string(",a,", /,/), |split_string("a", /a/)|;
	print join_string_vec(vector("x", "", "y"), "-");
	}
