@load ./control
@load ./main
