##! ACTION_PAGE: e-mail the notice to :zeek:see:`Notice::mail_page_dest`.

@load ../main

module Notice;

export {
	redef enum Action += {
		## E-mail the notice to the pager address.
		ACTION_PAGE
	};

	## Where ACTION_PAGE sends notices.
	option mail_page_dest = "";
}

hook notice(n: Notice::Info)
	{
	if ( ACTION_PAGE in n$actions )
		add n$email_dest[mail_page_dest];
	}
