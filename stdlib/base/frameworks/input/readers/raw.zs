##! Options of the raw reader (``Input::READER_RAW``): each record (line) of
##! a file, or of the output of a command when the source ends in ``|``,
##! becomes one string value.

module InputRaw;

export {
	## What separates records.
	const record_separator = "\n" &redef;

	## Raised when a command run by a stream has ended.
	global process_finished: event(name: string, source: string, exit_code: count, signal_exit: bool);
}
