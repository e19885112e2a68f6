# Directive @FILENAME is the current script's base name; @DIR its directory (per loaded file).
@load _lib/_dirinfo

event zeek_init()
	{
	print @FILENAME;
	print ends_with(@DIR, "/directives") || ends_with(@DIR, "/directives/.");
	print lib_file, ends_with(lib_dir, "/_lib");
	}
