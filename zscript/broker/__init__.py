"""Broker's API between processes: endpoints that listen and peer, topics,
remote events (:mod:`.subsystem` for the script side, :mod:`.endpoint` and
:mod:`.wire` for zscript's own transport)."""
