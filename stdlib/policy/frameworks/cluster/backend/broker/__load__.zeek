##! Selects Broker as the cluster backend.  For a process outside a cluster
##! layout this means: log writes go to the Broker peers subscribed to their
##! topic (``Broker::default_log_topic_prefix`` + path), as with Zeek's
##! Broker backend.  Cluster layouts on Broker peerings are not supported
##! yet: use ``frameworks/cluster/backend/zeromq``.

redef Cluster::backend = Cluster::CLUSTER_BACKEND_BROKER;
