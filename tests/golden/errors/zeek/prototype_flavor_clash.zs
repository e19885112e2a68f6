# @expect-fail
# @error-format: zeek
# An event re-declared as a hook or a function.
global f: event();
global f: hook();
global f: function();
