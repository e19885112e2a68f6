##! Reading indicator files (:zeek:see:`Intel::read_files`) with the input
##! framework: ASCII files with the columns of :zeek:see:`Intel::Item`
##! (``indicator``, ``indicator_type``, ``meta.source`` ...), re-read when
##! they change.  Only the process holding the full data (standalone, or the
##! cluster's manager) reads them.

@load base/frameworks/cluster
@load base/frameworks/input
@load ./main

module Intel;

export {
	## The files to read.
	const read_files: set[string] = {} &redef;

	## Prepended to relative names in :zeek:see:`Intel::read_files`.
	const path_prefix = "" &redef;

	## One item read (inserted by the handler here).
	global read_entry: event(desc: Input::EventDescription, tpe: Input::Event, item: Intel::Item);

	## A problem reading a file.
	global read_error: event(desc: Input::EventDescription, message: string, level: Reporter::Level);
}

event Intel::read_entry(desc: Input::EventDescription, tpe: Input::Event, item: Intel::Item)
	{
	Intel::insert(item);
	}

event zeek_init() &priority=5
	{
	if ( Cluster::is_enabled() && Cluster::local_node_type() != Cluster::MANAGER )
		return;
	for ( f in read_files )
		{
		local source = f;
		if ( |path_prefix| > 0 && ! starts_with(f, "/") )
			source = cat(rstrip(path_prefix, "/"), "/", f);
		Input::add_event([$source=source, $reader=Input::READER_ASCII, $mode=Input::REREAD,
		                  $name=cat("intel-", f), $fields=Intel::Item, $ev=Intel::read_entry,
		                  $error_ev=Intel::read_error]);
		}
	}
