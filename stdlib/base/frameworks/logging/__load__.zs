##! The logging framework: log streams, filters and writers (Zeek's
##! ``base/frameworks/logging``).  Loading it twice is harmless.

@load ./main
@load ./writers/ascii
@load ./writers/sqlite
@load ./writers/none
