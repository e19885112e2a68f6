##! Options of the SQLite reader (``Input::READER_SQLITE``): the source is a
##! database path without ``.sqlite``; ``$config["query"]`` is the query
##! whose result columns fill the stream's fields by name.

module InputSQLite;

export {
	## Separator of set and vector elements stored as text.
	const set_separator = Input::set_separator &redef;
	## What an unset value stored as text looks like.
	const unset_field = Input::unset_field &redef;
	## What an empty value stored as text looks like.
	const empty_field = Input::empty_field &redef;
}
