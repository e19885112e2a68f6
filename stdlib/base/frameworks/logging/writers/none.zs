##! The none writer (``Log::WRITER_NONE``): discards every record.  Useful for
##! streams whose records only matter to their ``$ev`` handlers, and for
##! measuring the logging framework without output.
##!
##!     Log::add_filter(Foo::LOG, [$name="discard", $writer=Log::WRITER_NONE]);

module LogNone;
