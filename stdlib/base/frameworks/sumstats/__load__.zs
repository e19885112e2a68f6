##! SumStats (Zeek's ``base/frameworks/sumstats``): see ``main.zs``.

@load base/frameworks/cluster
@load ./main
@load ./plugins

# Where epochs end and thresholds are checked depends on the process.
@if ( Cluster::is_enabled() )
@load ./cluster
@else
@load ./non-cluster
@endif
