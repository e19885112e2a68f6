##! Broker-compatible data stores and the options of ``&backend`` tables.

@load ./main
@load ./store
