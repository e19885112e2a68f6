# Hook bodies share aggregate arguments, so later bodies see changes made by earlier ones.
type Req: record {
	url: string;
	tags: set[string];
};

global policy: hook(r: Req);

hook policy(r: Req) &priority=1
	{
	add r$tags["seen"];
	r$url = r$url + "/checked";
	}

hook policy(r: Req)
	{
	print "later body", r$url, |r$tags|;
	}

event zeek_init()
	{
	local r = Req($url="http://x", $tags=set());
	hook policy(r);
	print r$url, r$tags;
	}
