# str_smith_waterman: common substrings with their offsets in both strings.
function show(s1: string, s2: string, min: count, variant: count)
	{
	local ss = str_smith_waterman(s1, s2, sw_params($min_strlen=min, $sw_variant=variant));
	print fmt("%s / %s (min %d, variant %d): %d", s1, s2, min, variant, |ss|);
	for ( i in ss )
		print fmt("  %s at %d/%d new=%s", ss[i]$str, ss[i]$aligns[0]$index,
		          ss[i]$aligns[1]$index, ss[i]$new);
	}

event zeek_init()
	{
	show("abcdef", "uvwxyz", 2, 0);
	show("hello world", "say hello", 3, 0);
	show("xxabcyy", "abc", 3, 0);
	show("abc", "xxabcyy", 4, 0);
	show("abXYcd", "abZcd", 2, 0);
	show("abXYcd", "abZcd", 2, 1);
	show("AAbAA", "AA", 2, 1);
	print sw_params();
	}
