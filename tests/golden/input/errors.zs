# Descriptions the input framework refuses, with Zeek's messages; the
# functions return F and no stream is created.
@load base/frameworks/input

type Idx: record {
	i: count;
};

type Val: record {
	s: string;
	f: file;
};

type Ok: record {
	s: string;
};

global counts: table[count] of Ok;
global names: set[string];

event good(desc: Input::EventDescription, tpe: Input::Event, r: Ok) { }
event with_file(desc: Input::EventDescription, tpe: Input::Event, r: Val) { }
event too_few(desc: Input::EventDescription) { }
event wrong_kind(desc: Input::TableDescription, tpe: Input::Event, r: Ok) { }
event table_ev(desc: Input::TableDescription, tpe: Input::Event, i: Idx, v: Val) { }
event bad_error_ev(desc: Input::EventDescription, msg: count, level: Reporter::Level) { }
function not_an_event(desc: Input::EventDescription, tpe: Input::Event, r: Ok) { }

event zeek_init()
	{
	print Input::add_event([$source="x", $name="e1", $fields="not a type", $ev=good]);
	print Input::add_event([$source="x", $name="e2", $fields=Ok, $ev=42]);
	print Input::add_event([$source="x", $name="e3", $fields=Ok, $ev=not_an_event]);
	print Input::add_event([$source="x", $name="e4", $fields=Ok, $ev=too_few]);
	print Input::add_event([$source="x", $name="e5", $fields=Ok, $ev=wrong_kind]);
	print Input::add_event([$source="x", $name="e6", $fields=Ok, $ev=good, $error_ev=bad_error_ev]);
	print Input::add_event([$source="x", $name="e7", $fields=Val, $ev=with_file]);
	print Input::add_table([$source="x", $name="t1", $idx=Idx, $val=Ok, $destination=names]);
	print Input::add_table([$source="x", $name="t2", $idx=Idx, $destination=counts]);
	print Input::add_table([$source="x", $name="t3", $idx=Ok, $val=Ok, $destination=counts]);
	print Input::add_table([$source="x", $name="t4", $idx=Idx, $val=Ok, $destination=counts, $ev=table_ev]);
	print Input::add_table([$source="x", $name="t5", $idx=Idx, $val=Ok, $destination="counts"]);
	print Input::remove("never-created");
	print Input::force_update("never-created");
	}
