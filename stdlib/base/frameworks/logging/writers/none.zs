##! The none writer (``Log::WRITER_NONE``): discards every record.  Useful for
##! streams whose records only matter to their ``$ev`` handlers, and for
##! measuring the logging framework without output.
##!
##!     Log::add_filter(Foo::LOG, [$name="discard", $writer=Log::WRITER_NONE]);

module LogNone;

export {
	## Print what each writer is set up with when it starts (path, rotation
	## settings, config, columns): for testing the logging framework.
	const debug = F &redef;
}

# Rotated "files" of the none writer need no postprocessing.
function default_rotation_postprocessor_func(info: Log::RotationInfo) : bool
	{
	return T;
	}

redef Log::default_rotation_postprocessors += {
	[Log::WRITER_NONE] = default_rotation_postprocessor_func,
};
