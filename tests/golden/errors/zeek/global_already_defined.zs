# @expect-fail
# @error-format: zeek
# A second declaration with an initializer: located at both declarations.
global x = 1;

global x = 2;
