##! The control framework's declarations (Zeek's ``base/frameworks/control``).

@load ./main
