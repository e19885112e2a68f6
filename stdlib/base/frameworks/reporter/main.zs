##! ``reporter.log``: one line per message the reporter raises as an event
##! (:zeek:see:`reporter_info`, :zeek:see:`reporter_warning`,
##! :zeek:see:`reporter_error`).  The events are handled at a low priority so
##! that a script's own handlers see them first.  Behaviour as Zeek's
##! ``scripts/base/frameworks/reporter/main.zeek``.

@load base/frameworks/logging

module Reporter;

export {
	redef enum Log::ID += { LOG };

	## A policy hook for the reporter log.
	global log_policy: Log::PolicyHook;

	## One line of the reporter log.
	type Info: record {
		ts: time &log;	##< When the message was raised.
		level: Level &log;	##< How severe it is.
		message: string &log;	##< What it says.
		location: string &log &optional;	##< Where in the scripts it came from, if known.
	};
}

event zeek_init() &priority=5
	{
	Log::create_stream(LOG, Log::Stream($columns=Info, $path="reporter", $policy=log_policy));
	}

function log_message(t: time, level: Level, msg: string, location: string)
	{
	Log::write(LOG, Info($ts=t, $level=level, $message=msg, $location=location));
	}

event reporter_info(t: time, msg: string, location: string) &priority=-5
	{
	log_message(t, INFO, msg, location);
	}

event reporter_warning(t: time, msg: string, location: string) &priority=-5
	{
	log_message(t, WARNING, msg, location);
	}

event reporter_error(t: time, msg: string, location: string) &priority=-5
	{
	log_message(t, ERROR, msg, location);
	}
