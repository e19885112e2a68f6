# @env: ZSCRIPT_ZEEK_ORDER=1
# record_fields lists the fields in declaration order even in Zeek order
# mode (its table is &ordered, as Zeek's GetRecordFieldsVal).
type R: record {
	zulu: count;
	alpha: string &optional;
	mike: double &default=1.5;
	bravo: bool &log;
	yankee: addr &optional;
	charlie: port &optional;
	xray: interval &optional;
	delta: string &default="d";
};

event zeek_init()
	{
	for ( name, f in record_fields(R) )
		print name, f$type_name, f$optional;
	}
