# @expect-fail
# @error-format: zeek
# A field value of the wrong type: in a named constructor it is checked
# against the field's type, in [$f=...] when the record is coerced.
type MyRec: record {
	a: port &default = 1/tcp;
	c: count &optional;
};

global g1 = MyRec($a = 0);
global g2: MyRec = [$a = 3];
global g3: MyRec = [$c = -2];
global g4: MyRec = [$a = 1/udp, $wtf = 1.0 sec];
