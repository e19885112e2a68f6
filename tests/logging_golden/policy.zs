# The stream event and policy hooks: Log::log_stream_policy vetoes for all
# filters (filter hooks still run), a filter hook vetoes for its filter and
# may change the record, a stream's $policy is inherited by its filters, and
# the event sees the record after the hooks changed it.
@load base/frameworks/logging

module Test;

export {
	redef enum Log::ID += { LOG };

	type Info: record {
		n: count &log;
		status: string &log;
	};

	global log_test: event(rec: Info);
	global log_policy: Log::PolicyHook;
}

hook Log::log_stream_policy(rec: any, id: Log::ID)
	{
	local r: Info = rec;
	print "stream policy", r$n;
	if ( r$status == "veto-all" )
		break;
	}

hook Test::log_policy(rec: any, id: Log::ID, filter: Log::Filter)
	{
	local r: Info = rec;
	print "filter policy", filter$name, r$n;
	if ( r$status == "veto-default" && filter$name == "default" )
		break;
	if ( filter$name == "other" )
		r$status = "changed";
	}

hook permissive(rec: any, id: Log::ID, filter: Log::Filter)
	{
	local r: Info = rec;
	print "permissive", r$n;
	}

event log_test(rec: Info)
	{
	print "event", rec;
	}

event zeek_init()
	{
	Log::create_stream(Test::LOG, [$columns=Info, $path="test", $ev=log_test, $policy=log_policy]);
	Log::add_filter(Test::LOG, [$name="other", $path="other"]);
	Log::add_filter(Test::LOG, [$name="own", $path="own", $policy=permissive]);

	Log::write(Test::LOG, [$n=1, $status="ok"]);
	Log::write(Test::LOG, [$n=2, $status="veto-all"]);
	Log::write(Test::LOG, [$n=3, $status="veto-default"]);
	}
