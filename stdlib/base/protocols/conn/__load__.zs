##! Connection logging declarations (Zeek's ``base/protocols/conn``).

@load ./main
