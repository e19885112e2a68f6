# @expect-fail
# @error-format: zeek
# '::' takes one name: "::A::b" is two global names in a row.
hook ::Analyzer::disabling(c: count) { }
