# record_fields describes a record's fields: type, value, default and &log / &optional.
type Info: record {
	id: count &log;
	name: string &optional;
	level: count &default=3 &log;
};

event zeek_init()
	{
	local f = record_fields(Info($id=7));
	print |f|;
	print f["id"]$type_name, f["id"]$log, f["id"]$optional, f["id"]$value;
	print f["name"]$optional, f["name"]?$value;
	print f["level"]$default_val, f["level"]$value;
	}
