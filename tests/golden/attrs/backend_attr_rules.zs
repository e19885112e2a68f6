# @check
# @expect-fail
# @error-format: zeek
# Where &backend and &broker_store apply and what they combine with (Zeek's rules).
type Reading: record {
	sensor: string;
	value: double;
};

global readings: table[count] of Reading &backend=Broker::MEMORY;
global kept: table[count] of Reading &broker_allow_complex_type &backend=Broker::MEMORY;
global recent: table[string] of count &read_expire=1min &backend=Broker::SQLITE;
global named: set[addr] &broker_store="hosts" &backend=Broker::MEMORY;
global total: count &backend=Broker::MEMORY;
global label: string &broker_store="labels";
global by_name: table[string] of Reading &broker_store="readings";
global odd: table[string] of count &backend=42;

function keep_locally()
	{
	local scratch: table[string] of count &backend=Broker::MEMORY;
	}
