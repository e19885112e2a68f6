# Helper in a subdirectory: records its own @DIR and @FILENAME.
global lib_dir = @DIR;
global lib_file = @FILENAME;
