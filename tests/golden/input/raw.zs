# The raw reader: each line of a command's output is an event; standard
# error is read too, and the command's end is an event of its own.
@load base/frameworks/input

redef exit_only_after_terminate = T;

type Line: record {
	s: string;
	is_stderr: bool;
};

global done = 0;

event line(desc: Input::EventDescription, tpe: Input::Event, s: string, is_stderr: bool)
	{
	print is_stderr ? "stderr" : "stdout", s;
	}

event InputRaw::process_finished(name: string, source: string, exit_code: count, signal_exit: bool)
	{
	print "finished", name, exit_code, signal_exit;
	terminate();
	}

event zeek_init()
	{
	Input::add_event([$source="printf 'one\\ntwo\\n'; echo oops >&2; exit 2 |",
	                  $reader=Input::READER_RAW, $mode=Input::STREAM, $name="cmd",
	                  $fields=Line, $ev=line, $want_record=F,
	                  $config=table(["read_stderr"] = "1")]);
	}
