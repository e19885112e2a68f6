# @expect-fail
# Only identifiers declared with &redef (or options) can be redefined.
const limit = 1;
global mode = "a";
const ok = 5 &redef;

redef limit = 2;
redef mode = "b";
redef ok = 6;
