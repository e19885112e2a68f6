# @expect-fail
# @error-format: zeek
# Only records and enums can be extended, even when the rest would parse.
type names: vector of string;
redef names += { 1 };
