# @error-format: zeek
# A number compared with (or added to) one of another kind is promoted, and
# Zeek's messages show it so: the expression wrapped in a coercion, a constant
# converted (BinaryExpr::PromoteOps).
event zeek_init()
	{
	local c: count = 3;
	local i: int = -1;
	assert c == 3.5 || i > 0.5 * c, "no";
	}
