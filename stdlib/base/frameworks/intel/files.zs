##! Intel about files: the file indicator kinds and the file columns of
##! ``intel.log`` (zscript analyses no files: scripts that see a file hash
##! or name report it with ``$fuid`` and fill the columns in
##! :zeek:see:`Intel::extend_match`).

@load ./main

module Intel;

export {
	redef enum Type += {
		## A file's hash.
		FILE_HASH,
		## A file's name.
		FILE_NAME,
	};

	redef record Seen += {
		## The file it was seen in.
		fuid: string &optional;
	};

	redef record Info += {
		fuid: string &log &optional;
		file_mime_type: string &log &optional;
		file_desc: string &log &optional;
	};
}

hook extend_match(info: Info, s: Seen, items: set[Item]) &priority=6
	{
	if ( s?$fuid )
		info$fuid = s$fuid;
	}
