##! What ``zscript run`` loads by default, after ``base/init-frameworks-and-bifs``
##! and before the user's scripts; ``--bare`` (``-b``, as for ``zeek``) leaves
##! it out.  Zeek's ``base/init-default.zeek`` loads everything in ``base/``;
##! zscript has no packet engine, so this is the part of it that makes sense
##! without one: the utilities and the frameworks zscript implements (no
##! protocol analyzers, files, signatures or packet filters).
##!
##! One line per script, in Zeek's order; a new one adds its line.

@load base/utils/hash_hrw
@load base/utils/numbers

@load base/frameworks/cluster
@load base/frameworks/config
@load base/frameworks/reporter
@load base/frameworks/telemetry
@load base/frameworks/storage

@load base/misc/version
