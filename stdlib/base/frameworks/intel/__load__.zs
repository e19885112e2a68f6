##! The intelligence framework (Zeek's ``base/frameworks/intel``): see
##! ``main.zs``.

@load ./main
@load ./files
@load base/frameworks/cluster

@if ( Cluster::is_enabled() )
@load ./cluster
@endif

@load ./input
