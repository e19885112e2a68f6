##! Options of the ASCII reader (``Input::READER_ASCII``), which reads
##! Zeek's tab-separated log format.  A stream's ``$config`` may override
##! ``separator``, ``set_separator``, ``empty_field``, ``unset_field``,
##! ``fail_on_invalid_lines`` and ``fail_on_file_problem``.

module InputAscii;

export {
	## Column separator (one character).
	const separator = Input::separator &redef;
	## Separator of set and vector elements (one character).
	const set_separator = Input::set_separator &redef;
	## What an empty field looks like.
	const empty_field = Input::empty_field &redef;
	## What an unset field looks like.
	const unset_field = Input::unset_field &redef;
	## With T a malformed line is an error that ends the stream; with F it
	## is skipped with a warning.
	const fail_on_invalid_lines = F &redef;
	## With T a file that cannot be opened or lacks a header is an error
	## that ends the stream; with F the reader warns and tries again later.
	const fail_on_file_problem = F &redef;
	## A directory prepended to relative source paths.
	const path_prefix = "" &redef;
}
