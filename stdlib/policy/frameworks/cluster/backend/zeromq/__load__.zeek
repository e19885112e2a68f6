##! Select and start the ZeroMQ cluster backend.
@load ./options
@load ./main
