# A one-index set converts to a vector of its element type and back; `as`
# on an `any` converts from the type the value holds.
type R: record {
	a: string;
};

function conv(x: any): count
	{
	return x as count;
	}

event zeek_init()
	{
	local v = vector(3, 1, 3, 2);
	local s = v as set[count];
	print |s|, 1 in s, 3 in s, 4 in s;
	local back = set(7) as vector of count;
	print back;
	local rs: set[R] = set([$a="x"]);
	print rs as vector of R;
	local e: vector of port;
	print e as set[port];
	print conv("42"), conv(4.4), conv(7);
	local a: any = "10.0.0.1";
	print a ?as addr, a ?as count, a ?as string;
	}
