##! ACTION_ADD_GEODATA: add the location of the notice's remote address
##! (the first of src, dst outside :zeek:see:`Site::local_nets`).
##!
##! zscript has no location database (Zeek's ``lookup_location`` needs
##! MaxMind's): the action leaves ``remote_location`` unset, and the
##! column is there for scripts that fill it themselves.

@load ../main
@load base/utils/site

## Where an address is (Zeek's ``geo_location``).
type geo_location: record {
	country_code: string &optional &log;
	region: string &optional &log;
	city: string &optional &log;
	latitude: double &optional &log;
	longitude: double &optional &log;
};

module Notice;

export {
	redef enum Action += {
		## Look up the remote address's location.
		ACTION_ADD_GEODATA
	};

	redef record Info += {
		## Where the remote address is.
		remote_location: geo_location &log &optional;
	};

	## Notice types that get ACTION_ADD_GEODATA.
	option lookup_location_types: set[Notice::Type] = {};
}

hook policy(n: Notice::Info) &priority=10
	{
	if ( n$note in lookup_location_types )
		add n$actions[ACTION_ADD_GEODATA];
	}

