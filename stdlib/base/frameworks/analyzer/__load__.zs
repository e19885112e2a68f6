##! The analyzer framework (Zeek's ``base/frameworks/analyzer``): see
##! ``main.zs``.

@load ./main
