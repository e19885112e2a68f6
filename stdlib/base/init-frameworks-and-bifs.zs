##! The frameworks every process has, also in bare mode (``zscript run
##! --bare``, like ``zeek -b``): loaded right after ``base/init-bare``.
##! Zeek's ``base/init-frameworks-and-bifs.zeek`` loads logging, broker,
##! supervisor, input, cluster, config, analyzer, files and the telemetry
##! options here; these are the ones zscript has.  Scripts can therefore call
##! ``Log::create_stream``, ``Cluster::listen_websocket`` or use
##! ``Cluster::EndpointInfo``, pools and topics without any ``@load``.
##!
##! One line per framework, in Zeek's order; a new framework adds its line.

@load base/frameworks/logging
@load base/frameworks/broker
@load base/frameworks/broker/log
@load base/frameworks/supervisor
@load base/frameworks/input
@load base/frameworks/cluster
@load base/frameworks/config
@load base/frameworks/analyzer
@load base/frameworks/telemetry/options
