##! Text forms of connection endpoints (``conn_id``), for messages and log
##! fields: ``10.0.0.1:1234 > 10.0.0.2:80``.

module GLOBAL;

export {
	## The endpoints as "orig_h:orig_p > resp_h:resp_p" (ports without
	## their protocol).
	global id_string: function(id: conn_id): string;

	## The endpoints as "orig_h:orig_p < resp_h:resp_p": the responder talking.
	global reverse_id_string: function(id: conn_id): string;

	## :zeek:see:`id_string` if ``is_orig``, else :zeek:see:`reverse_id_string`.
	global directed_id_string: function(id: conn_id, is_orig: bool): string;
}

# "h:p <dir> h:p", the ports as plain numbers.
function endpoints_text(id: conn_id, dir: string): string
	{
	return cat(id$orig_h, ":", port_to_count(id$orig_p), " ", dir, " ",
	           id$resp_h, ":", port_to_count(id$resp_p));
	}

function id_string(id: conn_id): string
	{
	return endpoints_text(id, ">");
	}

function reverse_id_string(id: conn_id): string
	{
	return endpoints_text(id, "<");
	}

function directed_id_string(id: conn_id, is_orig: bool): string
	{
	if ( is_orig )
		return id_string(id);
	return reverse_id_string(id);
	}
