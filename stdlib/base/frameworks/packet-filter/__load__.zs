##! The packet filter framework (Zeek's ``base/frameworks/packet-filter``):
##! see ``main.zs``.

@load ./utils
@load ./main
