# @env: ZSCRIPT_ZEEK_ORDER=1
# In Zeek's order mode (where each table's hash table is modelled, so a
# table knows it is being iterated), a loop's body that adds or removes a
# member of the table it iterates gets Zeek's warning; changing a value, or
# adding or removing nothing, does not.
global t = table([1] = "one", [2] = "two");
global s = set(1, 2);

event zeek_init()
	{
	for ( i in t )
		t[i] = "changed";
	for ( i in t )
		{
		t[3] = "three";
		break;
		}
	for ( i in t )
		{
		delete t[3];
		break;
		}
	for ( n in s )
		add s[1];
	for ( n in s )
		{
		add s[5];
		delete s[0];
		break;
		}
	print |t|, |s|;
	}
