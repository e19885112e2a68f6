##! The cluster of tests/test_websocket.py: a manager that serves WebSocket
##! clients and a worker that talks to them through the cluster.
##!
##! The manager listens on 127.0.0.1:$WS_PORT (if set: else the layout's
##! websocket keys make it listen); optional environment settings:
##! WS_TOKEN (auth_token), WS_CERT and WS_KEY (TLS), WS_ANON_CIPHERS (TLS
##! without a certificate, with these anonymous ciphers), WS_CA (client
##! certificates signed by it are required), WS_MAX_MESSAGE
##! (max_message_size), WS_MAX_QUEUE (max_outgoing_queue_size), WS_PING
##! (ping_interval in seconds), WS_LIMITED_TOKEN (a token whose clients may
##! only subscribe below zscript.test.ws.client.pong and publish Test::ping
##! on zscript.test.ws.manager).  It prints every client added and lost, and
##! "zeek_done ran" in zeek_done.  The clients' event metrics are on (all
##! kinds); Test::metrics makes the manager print them.
##!
##! Topics: the worker subscribes to zscript.test.ws.worker, the manager to
##! zscript.test.ws.manager; clients subscribe below zscript.test.ws.client.

@load base/frameworks/cluster/websocket
@load base/frameworks/telemetry

redef Cluster::Telemetry::websocket_metrics += {
	Cluster::Telemetry::VERBOSE,
	Cluster::Telemetry::DEBUG,
};

module Test;

export {
	type Rec: record {
		n: count;
		note: string &optional;
	};

	type Color: enum { RED, GREEN };

	## One argument of every kind the JSON data model has.
	global all_types: event(b: bool, c: count, i: int, d: double, s: string, a: addr,
	                        sn: subnet, p: port, t: time, iv: interval, e: Color,
	                        st: set[string], tb: table[string] of count, v: vector of int,
	                        r: Rec);

	## Asks the worker to publish all_types (and an event the manager lacks).
	global send_types: event();

	## Client -> manager; the manager answers with pong.
	global ping: event(msg: string, n: count);
	global pong: event(msg: string, n: count);

	## zeekpy -> worker, and the worker's answer.
	global hello: event(msg: string, n: count, i: int, d: double, t: time, iv: interval,
	                    a: addr, sn: subnet, p: port, e: Color, st: set[string],
	                    tb: table[string] of count, v: vector of int, r: Rec);
	global reply: event(msg: string, n: count, t: time, iv: interval, d: double);

	## What the manager floods a slow client with.
	global blob: event(n: count, data: string);

	## The other Zeek types (pattern, function, composite keys, nesting) and
	## edge values of the JSON data model.
	global edge_types: event(pt: pattern, f: function(s: string): string,
	                         ct: table[string, count] of bool, vr: vector of Rec,
	                         sa: set[addr, port], nt: table[count] of set[string],
	                         a6: addr, s6: subnet, pu: port, big: count, neg: int,
	                         iv0: interval, ivn: interval, t0: time, u: string,
	                         ev: vector of string, d0: double);

	## Asks the worker to publish edge_types.
	global send_edge_types: event();

	global shout: function(s: string): string;

	## Asks the manager to print the WebSocket clients' event metrics.
	global metrics: event();
}

function shout(s: string): string
	{
	return to_upper(s);
	}

@if ( Cluster::local_node_type() == Cluster::WORKER )
## Declared on the worker only: the manager cannot forward it to clients.
global worker_only: event(n: count);

event send_types() &priority=10
	{
	Cluster::publish("zscript.test.ws.client.types", worker_only, 1);
	}
@endif

event Cluster::node_up(name: string, id: string)
	{
	print fmt("node_up %s", name);
	}

event zeek_done()
	{
	print "zeek_done ran";
	}

# ------------------------------------------------------------------ manager

function env_count(name: string, dflt: count): count
	{
	local v = getenv(name);
	return |v| > 0 ? to_count(v) : dflt;
	}

event zeek_init()
	{
	if ( Cluster::local_node_type() == Cluster::WORKER )
		{
		Cluster::subscribe("zscript.test.ws.worker");
		return;
		}

	Cluster::subscribe("zscript.test.ws.manager");
	if ( getenv("WS_PORT") == "" )
		return;  # the layout switches the server on (test_supervisor.py)

	local opts = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1,
		$listen_port=count_to_port(to_count(getenv("WS_PORT")), tcp));

	if ( getenv("WS_TOKEN") != "" )
		opts$auth_token = getenv("WS_TOKEN");

	if ( getenv("WS_LIMITED_TOKEN") != "" )
		opts$auth_tokens = table([getenv("WS_LIMITED_TOKEN")] = Cluster::WebSocketAccess(
			$subscribe_topics=set("zscript.test.ws.client.pong"),
			$publish_topics=set("zscript.test.ws.manager"),
			$publish_events=set("Test::ping")));

	if ( getenv("WS_CERT") != "" )
		opts$tls_options = Cluster::WebSocketTLSOptions($cert_file=getenv("WS_CERT"),
		                                                $key_file=getenv("WS_KEY"));

	if ( getenv("WS_ANON_CIPHERS") != "" )  # TLS without a certificate
		opts$tls_options = Cluster::WebSocketTLSOptions($cert_file="", $key_file="",
		                                                $ciphers=getenv("WS_ANON_CIPHERS"));

	if ( getenv("WS_CA") != "" )
		{
		opts$tls_options$enable_peer_verification = T;
		opts$tls_options$ca_file = getenv("WS_CA");
		}

	opts$max_message_size = env_count("WS_MAX_MESSAGE", opts$max_message_size);
	opts$max_outgoing_queue_size = env_count("WS_MAX_QUEUE", opts$max_outgoing_queue_size);
	opts$ping_interval = double_to_interval(env_count("WS_PING", 5));
	print fmt("listen %s", Cluster::listen_websocket(opts));
	}

global flooding: set[string];
global flood_sent = 0;

event flood(id: string)
	{
	if ( id !in flooding || flood_sent >= 20000 )
		return;

	local data = "";
	local i = 0;
	while ( i < 64 )
		{
		data += "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
		++i;
		}

	i = 0;
	while ( i < 50 )
		{
		Cluster::publish("zscript.test.ws.client.slow", blob, flood_sent, data);
		++flood_sent;
		++i;
		}

	schedule 10 msec { flood(id) };
	}

event Cluster::websocket_client_added(endpoint: Cluster::EndpointInfo, subscriptions: string_vec)
	{
	local app = endpoint?$application_name ? endpoint$application_name : "-";
	print fmt("added %s %s %s", endpoint$id, app, subscriptions);

	for ( _, s in subscriptions )
		if ( s == "zscript.test.ws.client.slow" )
			{
			add flooding[endpoint$id];
			event flood(endpoint$id);
			}
	}

event Cluster::websocket_client_lost(endpoint: Cluster::EndpointInfo, code: count, reason: string)
	{
	delete flooding[endpoint$id];
	print fmt("lost %s %d '%s'", endpoint$id, code, reason);
	}

event ping(msg: string, n: count)
	{
	print fmt("%s got ping %s %d", Cluster::node, msg, n);
	Cluster::publish("zscript.test.ws.client.pong", pong, msg, n + 1);
	}

event metrics()
	{
	for ( _, m in Telemetry::collect_metrics("zeek", "cluster_websocket_*") )
		print "metric", m$opts$name, m$label_names, m$label_values, m$value;
	for ( _, h in Telemetry::collect_histogram_metrics("zeek", "cluster_websocket_*") )
		print "histogram", h$opts$name, h$label_names, h$label_values, h$values, h$sum;
	print "metrics done";
	}

# ------------------------------------------------------------------ worker

event send_types()
	{
	local v: vector of int = { 1, 2 };
	local st: set[string] = set("a");
	local tb: table[string] of count = table(["x"] = 1);
	Cluster::publish("zscript.test.ws.client.types", all_types, T, 42, -7, 1.5, "hi",
	                 192.0.2.7, 10.0.0.0/8, 443/tcp, double_to_time(1700000000.5), 1500 msec,
	                 GREEN, st, tb, v, Rec($n=3));
	}

event send_edge_types()
	{
	local ct: table[string, count] of bool = table(["a", 1] = T);
	local vr: vector of Rec = vector(Rec($n=1), Rec($n=2, $note="two"));
	local sa: set[addr, port] = set([192.0.2.1, 53/udp]);
	local nt: table[count] of set[string] = table([7] = set("x"));
	local ev: vector of string = vector();
	Cluster::publish("zscript.test.ws.client.types", edge_types, /a+b/i, shout, ct, vr, sa, nt,
	                 [2001:db8::1], [2001:db8::]/32, 0/unknown, 18446744073709551615,
	                 -9223372036854775807, 0 sec, -90 sec, double_to_time(0.0),
	                 "caf\xc3\xa9 \xff \"q\" \\ \x01\x0a", ev, 0.0);
	}

event edge_types(pt: pattern, f: function(s: string): string, ct: table[string, count] of bool,
                 vr: vector of Rec, sa: set[addr, port], nt: table[count] of set[string],
                 a6: addr, s6: subnet, pu: port, big: count, neg: int, iv0: interval,
                 ivn: interval, t0: time, u: string, ev: vector of string, d0: double)
	{
	print fmt("%s got edge_types %s %s %s %s %s %s %s %s %s %s %s %s %s %.3f %s %s %s %s",
	          Cluster::node, pt, f("hi"), ct, vr, sa, nt, a6, s6, pu, big, neg, iv0, ivn,
	          time_to_double(t0), u, |ev|, d0, "AAB" == pt);
	}

event all_types(b: bool, c: count, i: int, d: double, s: string, a: addr, sn: subnet,
                p: port, t: time, iv: interval, e: Color, st: set[string],
                tb: table[string] of count, v: vector of int, r: Rec)
	{
	print fmt("%s got all_types %s %s %s %s %s %s %s %s %.3f %s %s %s %s %s %s", Cluster::node,
	          b, c, i, d, s, a, sn, p, time_to_double(t), iv, e, st, tb, v, r);
	}

event hello(msg: string, n: count, i: int, d: double, t: time, iv: interval, a: addr,
            sn: subnet, p: port, e: Color, st: set[string], tb: table[string] of count,
            v: vector of int, r: Rec)
	{
	print fmt("%s got hello %s %s %s %s %.6f %s %s %s %s %s %s %s %s %s", Cluster::node,
	          msg, n, i, d, time_to_double(t), iv, a, sn, p, e, st, tb, v, r);
	Cluster::publish("zscript.test.ws.client.zeekpy", reply, msg, n + 1, t, iv, d);
	}
