##! Selects Broker as the cluster backend (see ``main``); its peerings' metrics.

@load ./main
@load ./telemetry
