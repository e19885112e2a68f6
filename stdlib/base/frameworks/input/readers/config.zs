##! Options of the config reader (``Input::READER_CONFIG``), which reads
##! ``name value`` lines for the config framework and sets options.

module InputConfig;

export {
	## Separator of set and vector elements.
	const set_separator = Input::set_separator &redef;
	## What an empty field looks like.
	const empty_field = "" &redef;
	## With T a file that cannot be read is an error that ends the stream.
	const fail_on_file_problem = F &redef;

	## Raised for each option value read, with the value in the option's type.
	global new_value: event(name: string, source: string, id: string, value: any);
}
