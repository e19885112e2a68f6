# Filters: include/exclude, paths and path functions, renaming, scope
# separators, extension columns, per-filter writer configuration, the none
# writer, removing filters, and the default path derived from the stream ID.
@load base/frameworks/logging

module FooBar;

export {
	redef enum Log::ID += { LOG, POLICY_LOG };

	type Info: record {
		ts: time &log;
		id: conn_id &log;
		status: string &log;
		country: string &log &default="unknown";
	};

	type Ext: record {
		node: string &log;
	};
}

function by_status(id: Log::ID, path: string, rec: any) : string
	{
	local r: Info = rec;
	return fmt("%s-%s", path, r$status);
	}

function ext(path: string) : Ext
	{
	return Ext($node="worker-1");
	}

event zeek_init()
	{
	# Path from the ID: FooBar::LOG -> foo_bar, FooBar::POLICY_LOG -> foobar_policy.
	Log::create_stream(FooBar::LOG, [$columns=Info]);
	Log::create_stream(FooBar::POLICY_LOG, [$columns=Info]);

	Log::add_filter(FooBar::LOG, [$name="inc", $path="included", $include=set("ts", "id.orig_h")]);
	Log::add_filter(FooBar::LOG, [$name="exc", $path="excluded", $exclude=set("ts", "id.orig_p", "id.resp_p")]);
	Log::add_filter(FooBar::LOG, [$name="dyn", $path="dyn", $path_func=by_status]);
	Log::add_filter(FooBar::LOG, [$name="ren", $path="renamed", $scope_sep="_",
	                              $field_name_map=table(["id_orig_h"] = "src", ["status"] = "st")]);
	Log::add_filter(FooBar::LOG, [$name="ext", $path="extended", $ext_func=ext,
	                              $include=set("status")]);
	Log::add_filter(FooBar::LOG, [$name="tsv", $path="plain", $config=table(["tsv"] = "T")]);
	Log::add_filter(FooBar::LOG, [$name="json", $path="json", $config=table(["use_json"] = "T")]);
	Log::add_filter(FooBar::LOG, [$name="none", $path="discarded", $writer=Log::WRITER_NONE]);
	Log::add_filter(FooBar::LOG, [$name="gone", $path="never"]);
	Log::remove_filter(FooBar::LOG, "gone");
	# Same path as the "inc" filter: renamed to included-2 with a warning.
	Log::add_filter(FooBar::LOG, [$name="clash", $path="included", $include=set("status")]);

	print Log::get_filter_names(FooBar::LOG);
	print Log::get_filter(FooBar::LOG, "inc")$path, Log::get_filter(FooBar::LOG, "nope")$name;

	local cid = [$orig_h=1.2.3.4, $orig_p=1234/tcp, $resp_h=2.3.4.5, $resp_p=80/tcp];
	local t = double_to_time(100.0);
	Log::write(FooBar::LOG, [$ts=t, $id=cid, $status="success"]);
	Log::write(FooBar::LOG, [$ts=t, $id=cid, $status="failure", $country="US"]);

	Log::remove_default_filter(FooBar::POLICY_LOG);
	Log::add_filter(FooBar::POLICY_LOG, [$name="only-status", $include=set("status")]);
	Log::write(FooBar::POLICY_LOG, [$ts=t, $id=cid, $status="policy"]);
	}
