##! Broker's API (endpoints, peerings, topics) and
##! Broker-compatible data stores with the options of ``&backend`` tables.

@load ./main
@load ./store
