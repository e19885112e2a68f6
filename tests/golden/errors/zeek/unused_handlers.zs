# @error-format: zeek
# Zeek's usage analysis after loading: warnings for handlers nothing can
# raise and for module functions nothing calls; the script still runs.
module Shop;

export {
	global checkout: event(n: count);
	# Exported: meant for other scripts, never reported.
	global api: function(): count;
}

function api(): count { return 1; }

# Called from a handler that runs: used.
function price(n: count): count { return n * 3; }

# Called only from a lambda inside a used function: used.
function tax(n: count): count { return n / 10; }

function total(n: count): count
	{
	local f = function(x: count): count { return x + tax(x); };
	return f(price(n));
	}

# Never called: reported.
function forgotten() { }

# Marked as used on purpose: not reported.
function for_later() &is_used { }

# Referenced from a global's initializer: used.
function pick(): count { return 7; }
global picked = pick();

# Only called from the orphan handler below: reported as well (as Zeek does).
function audit() { }

# A misspelt engine event: nothing raises it.
event zeek_inti() { audit(); }

# A hook of this module that nothing invokes.
global on_sale: hook(n: count);
hook on_sale(n: count) { }

event checkout(n: count) { print "total", total(n); }

event zeek_init() { event checkout(2); print picked; }
