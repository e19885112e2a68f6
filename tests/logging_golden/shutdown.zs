# Records written in zeek_done still reach the file before #close; buffers
# are flushed at shutdown; Log::flush and Log::set_buf work on a stream.
@load base/frameworks/logging

redef Log::write_buffer_size = 1000000;
redef Log::flush_interval = 0 secs;

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		msg: string &log;
	};
}

event zeek_init()
	{
	Log::create_stream(Test::LOG, [$columns=Info, $path="test"]);
	Log::write(Test::LOG, [$msg="init"]);
	print "flush", Log::flush(Test::LOG);
	print "set_buf", Log::set_buf(Test::LOG, F);
	Log::write(Test::LOG, [$msg="unbuffered"]);
	print "set_buf", Log::set_buf(Test::LOG, T);
	}

event zeek_done()
	{
	Log::write(Test::LOG, [$msg="zeek_done"]);
	}
