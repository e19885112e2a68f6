##! ACTION_EMAIL_ADMIN: e-mail the notice to the administrators of its
##! source and destination networks (:zeek:see:`Site::local_admins`).

@load ../main
@load base/utils/site

module Notice;

export {
	redef enum Action += {
		## E-mail the notice to the admins of its addresses' networks.
		ACTION_EMAIL_ADMIN
	};
}

hook notice(n: Notice::Info)
	{
	if ( ACTION_EMAIL_ADMIN !in n$actions || |Site::local_admins| == 0 )
		return;
	# One e-mail per address, to all of its admins.
	if ( n?$src && |Site::get_emails(n$src)| > 0 )
		add n$email_dest[Site::get_emails(n$src)];
	if ( n?$dst && |Site::get_emails(n$dst)| > 0 )
		add n$email_dest[Site::get_emails(n$dst)];
	}
