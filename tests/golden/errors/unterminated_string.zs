# @expect-fail
# An unterminated string is named as such (not as an unknown identifier).
global s = "abc;
