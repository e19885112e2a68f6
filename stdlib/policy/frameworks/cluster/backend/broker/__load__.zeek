##! Selects Broker as the cluster backend (see ``main``).

@load ./main
