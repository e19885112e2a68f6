# @expect-fail
# @error-format: zeek
# A pattern left open to the end of the file.
print /foo
