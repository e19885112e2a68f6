# Writing to an unknown stream returns F; a stream without &log fields is
# refused; a record that does not fit the columns is an error.
@load base/frameworks/logging

module Test;

export {
	redef enum Log::ID += { LOG, NEVER_CREATED, NO_COLUMNS };

	type Info: record {
		n: count &log;
		s: string &log;
	};

	type Nothing: record {
		n: count;
	};
}

event zeek_init()
	{
	print "create", Log::create_stream(Test::LOG, [$columns=Info, $path="test"]);
	print "unknown stream", Log::write(Test::NEVER_CREATED, [$n=1, $s="x"]);
	print "no &log", Log::create_stream(Test::NO_COLUMNS, [$columns=Nothing]);
	print "ok", Log::write(Test::LOG, [$n=1, $s="fine"]);
	print "disabled", Log::disable_stream(Test::LOG), Log::write(Test::LOG, [$n=2, $s="dropped"]);
	print "enabled", Log::enable_stream(Test::LOG), Log::write(Test::LOG, [$n=3, $s="again"]);
	Log::write(Test::LOG, [$n=4]);
	print "after the error";
	}
