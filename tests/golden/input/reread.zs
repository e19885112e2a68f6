# A table kept in step with its file: Input::force_update reads it again;
# entries read again unchanged stay, changed ones raise EVENT_CHANGED (with
# the old value), missing ones EVENT_REMOVED, and $pred can veto each.
@load base/frameworks/input

redef exit_only_after_terminate = T;

type Idx: record {
	key: string;
};

type Val: record {
	n: count;
};

global t: table[string] of count = table();
global round = 0;

function write_data(lines: vector of string)
	{
	local f = open("reread.data");
	print f, "#fields|key|n";
	for ( i in lines )
		print f, lines[i];
	close(f);
	}

event entry(desc: Input::TableDescription, tpe: Input::Event, idx: Idx, n: count)
	{
	print fmt("  %s %s %d", tpe, idx$key, n);
	}

event Input::end_of_data(name: string, source: string)
	{
	++round;
	local seen = "";
	local keys = vector("a", "b", "c", "d");
	for ( i in keys )
		seen += fmt(" %s=%s", keys[i], keys[i] in t ? cat(t[keys[i]]) : "-");
	print fmt("reading %d done:%s", round, seen);
	if ( round == 1 )
		{
		# b changes, c goes away, d is new (but vetoed), a stays as it is.
		write_data(vector("a|1", "b|20", "d|4"));
		Input::force_update(name);
		}
	else if ( round == 2 )
		{
		write_data(vector("a|1", "b|20", "d|40"));
		Input::force_update(name);
		}
	else
		{
		Input::remove(name);
		print Input::force_update(name);
		terminate();
		}
	}

event zeek_init()
	{
	write_data(vector("a|1", "b|2", "c|3"));
	Input::add_table([$source="reread.data", $name="r", $idx=Idx, $val=Val, $destination=t,
	                  $want_record=F, $ev=entry, $config=table(["separator"] = "|"),
	                  $pred(typ: Input::Event, left: Idx, right: count) = {
	                      print fmt("  pred %s %s %d", typ, left$key, right);
	                      return typ != Input::EVENT_NEW || right != 4;
	                      }]);
	}
