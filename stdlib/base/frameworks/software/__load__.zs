##! The software framework (Zeek's ``base/frameworks/software``): see
##! ``main.zs``.

@load ./main
