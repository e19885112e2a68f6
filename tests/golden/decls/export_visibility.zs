# Exported names are visible as Mod::name from other modules; the module itself uses the short name.
module Inventory;

export {
	type Item: record {
		name: string;
		qty: count &default=0;
	};
	global items: table[string] of Item;
	global add_item: function(name: string, qty: count);
}

function add_item(name: string, qty: count)
	{
	items[name] = Item($name=name, $qty=qty);
	}

module Shop;

event zeek_init()
	{
	Inventory::add_item("apple", 3);
	local i: Inventory::Item = [$name="pear"];
	Inventory::items["pear"] = i;
	print Inventory::items;
	}
