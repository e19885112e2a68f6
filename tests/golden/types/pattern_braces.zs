# In a pattern, "{" only starts a repetition; other braces are an error.
event zeek_init()
	{
	print /a{2}b/ == "aab", /a{1,2}b/ == "ab", /x{2,}/ == "xxx";
	print from_json("\"/a{-}b/\"", pattern)$valid, from_json("\"/a{2}/\"", pattern)$valid;
	}
