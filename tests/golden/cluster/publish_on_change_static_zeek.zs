# @expect-fail
# @error-format: zeek
# The static &publish_on_change errors in Zeek's one-line form name the
# offending attribute value in parentheses, as Zeek's do.

global n: count &publish_on_change=[$changes=set(TABLE_ELEMENT_NEW)];
global t: table[string] of count &publish_on_change=42;
