# @env: ZEEK_SEED_FILE=_uid_seeds
# With a seed file, unique_id and unique_id_from give the same identifiers
# on every run (each pool counts on from where it was); the prefix comes first.
event zeek_init()
	{
	print unique_id("A-");
	print unique_id("B-");
	print unique_id_from(4, "C-");
	print unique_id_from(5, "D-");
	print unique_id_from(4, "E-");
	print |unique_id("")| > 10;
	}
