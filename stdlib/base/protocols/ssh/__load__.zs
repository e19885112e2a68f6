##! SSH logging declarations (Zeek's ``base/protocols/ssh``).

@load ./main
