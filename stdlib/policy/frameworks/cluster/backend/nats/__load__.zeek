##! Select and start the NATS cluster backend (``zscript/cluster/nats.py``).
@load ./main
