# @expect-fail
# @error-format: zeek
# Only an empty record type may be declared again.
type Stub: record {};
type Stub: record { a: count; };
type Num: count;
type Num: string;
global g = 1;
type g: bool;
