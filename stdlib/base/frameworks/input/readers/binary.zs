##! Options of the binary reader (``Input::READER_BINARY``), which delivers
##! a file's bytes in chunks as single string values.

module InputBinary;

export {
	## The size of one chunk, in bytes.
	const chunk_size = 1024 &redef;
	## A directory prepended to relative source paths.
	const path_prefix = "" &redef;
}
