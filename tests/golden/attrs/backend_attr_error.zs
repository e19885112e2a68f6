# @check
# @expect-fail
# &backend needs a known backend value.
global remote_state: table[string] of count &backend=42;
