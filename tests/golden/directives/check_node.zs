# @check
# @node: worker-1
# @expect-fail
# `@check` with `@node:` checks the script as that node of the cluster layout
# loads it: only a worker loads the branch with the error.
@if ( Cluster::local_node_type() == Cluster::WORKER )
global x: count = "not a count";
@endif
