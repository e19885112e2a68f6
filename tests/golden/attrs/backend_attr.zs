# @check
# &backend is accepted on tables and sets (parsed and checked only; no store is used yet).
global remote_state: table[string] of count &backend=Broker::MEMORY;
global remote_set: set[string] &backend=Broker::SQLITE;
