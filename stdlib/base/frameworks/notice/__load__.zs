##! The notice framework (Zeek's ``base/frameworks/notice``): see ``main.zs``.

@load ./main
@load ./weird
@load ./actions/email_admin
@load ./actions/page
@load ./actions/add-geodata
