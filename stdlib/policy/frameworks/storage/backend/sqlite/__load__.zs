##! The SQLite storage backend: its options.

@load ./main
