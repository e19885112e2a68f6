# Notices: policy hooks add actions, or drop a notice by breaking before
# the built-in policy (priority 10) adds ACTION_LOG; the type options;
# suppression by type and identifier, and its end (suppressions expire at
# the table expiry rounds, every table_expire_interval); notice.log and
# notice_alarm.log.
# @log: notice.log
# @log: notice_alarm.log
@load base/frameworks/notice

redef exit_only_after_terminate = T;

redef enum Notice::Type += { Scan, Noise, Loud, Quiet };

redef Notice::ignored_types += { Noise };
redef Notice::alarmed_types += { Loud };
redef Notice::not_suppressed_types += { Quiet };
redef Notice::type_suppression_intervals += { [Loud] = 2secs };

hook Notice::policy(n: Notice::Info) &priority=20
	{
	if ( n?$sub && n$sub == "drop me" )
		break;
	}

hook Notice::policy(n: Notice::Info)
	{
	if ( n$note == Scan )
		add n$actions[Notice::ACTION_DROP];
	}

event Notice::suppressed(n: Notice::Info)
	{
	print "suppressed", n$note, n$identifier, n$msg;
	}

event Notice::begin_suppression(ts: time, suppress_for: interval, note: Notice::Type, identifier: string)
	{
	print "begin suppression", note, identifier, suppress_for;
	}

event Notice::log_notice(rec: Notice::Info)
	{
	print "logged", rec$note, rec$msg, rec$actions;
	}

event later()
	{
	# Loud's suppression (2s) is over, Scan's (1h) is not.
	NOTICE([$note=Loud, $msg="loud again", $identifier="x"]);
	NOTICE([$note=Scan, $msg="scan again", $src=10.0.0.1, $identifier="10.0.0.1"]);
	terminate();
	}

event zeek_init()
	{
	NOTICE([$note=Scan, $msg="scanning", $src=10.0.0.1, $identifier="10.0.0.1", $n=25]);
	NOTICE([$note=Scan, $msg="scanning", $src=10.0.0.1, $identifier="10.0.0.1", $n=30]);
	NOTICE([$note=Scan, $msg="other scanner", $src=10.0.0.2, $identifier="10.0.0.2"]);
	NOTICE([$note=Noise, $msg="ignored"]);
	NOTICE([$note=Scan, $msg="dropped by policy", $sub="drop me"]);
	NOTICE([$note=Loud, $msg="loud", $identifier="x"]);
	NOTICE([$note=Loud, $msg="loud repeat", $identifier="x"]);
	NOTICE([$note=Quiet, $msg="quiet", $identifier="q"]);
	NOTICE([$note=Quiet, $msg="quiet repeat", $identifier="q"]);
	NOTICE([$note=Quiet, $msg="with conn id", $id=[$orig_h=1.2.3.4, $orig_p=1234/tcp,
	                                               $resp_h=5.6.7.8, $resp_p=80/tcp]]);
	schedule 25secs { later() };
	}
