##! The Redis storage backend: its options.

@load ./main
