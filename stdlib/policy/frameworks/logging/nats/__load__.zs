##! Logs to NATS JetStream: the ``Log::WRITER_NATS`` writer and its options.

@load ./main
