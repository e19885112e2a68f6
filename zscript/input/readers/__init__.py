"""The built-in input readers (entry point group ``zscript.input_readers``)."""
