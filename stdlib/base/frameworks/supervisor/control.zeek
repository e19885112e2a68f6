##! The control topic of Zeek's supervisor framework.  Every Zeek process
##! subscribes to it (a supervisor, or a tool speaking for it, sends requests
##! there), so zscript's processes do too and show the same subscriptions.
##! Of the requests, only ``stop_request`` is understood, and only by a
##! supervisor (``zscript run -j``); ``zscript cluster start`` takes none.

module SupervisorControl;

export {
	## Topic prefix of the supervisor's control events.
	const topic_prefix = "zeek/supervisor" &redef;

	## Whether a supervisor listens for control connections (Zeek's option;
	## zscript's supervisor does not listen).
	const enable_listen = F &redef;

	## Asks the supervisor to stop.
	global SupervisorControl::stop_request: event();
}
