# &log fields are ordinary fields; record_fields reports which ones carry &log.
type Entry: record {
	ts: double &log;
	msg: string &log &optional;
	internal: count &default=1;
};

event zeek_init()
	{
	local e = Entry($ts=1.5);
	print e;
	local f = record_fields(Entry);
	print f["ts"]$log, f["msg"]$log, f["internal"]$log;
	print f["msg"]$optional, f["internal"]$type_name;
	}
