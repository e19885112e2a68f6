##! The NATS key-value storage backend: its options.

@load ./main
