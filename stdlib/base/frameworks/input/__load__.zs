##! The input framework: read files, command output and databases into
##! tables and events (Zeek's ``base/frameworks/input``).

@load ./main
@load ./readers/ascii
@load ./readers/raw
@load ./readers/benchmark
@load ./readers/binary
@load ./readers/config
@load ./readers/sqlite
