##! Rendezvous (highest random weight) hashing over a set of sites.
##!
##! Every key goes to the site with the largest ``hrw_weight(fnv1a32(key),
##! site id)``.  Removing a site moves only the keys that were on it; adding
##! it back moves exactly those keys back.

module HashHRW;

export {
	## A place keys can go to.
	type Site: record {
		## Its unique id (the weight's seed).
		id: count;
		## What the caller wants back from ``get_site``.
		user_data: any &optional;
	};

	## Sites by id.
	type SiteTable: table[count] of Site;

	## A set of sites.
	type Pool: record {
		sites: SiteTable &default=SiteTable();
	};

	## Add ``site`` to ``pool``; F if its id is there already.
	global add_site: function(pool: Pool, site: Site): bool;

	## Remove ``site`` from ``pool``; F if it was not there.
	global rem_site: function(pool: Pool, site: Site): bool;

	## The site ``key`` goes to (the pool must not be empty).
	global get_site: function(pool: Pool, key: any): Site;
}

function add_site(pool: Pool, site: Site): bool
	{
	if ( site$id in pool$sites )
		return F;

	pool$sites[site$id] = site;
	return T;
	}

function rem_site(pool: Pool, site: Site): bool
	{
	if ( site$id !in pool$sites )
		return F;

	delete pool$sites[site$id];
	return T;
	}

function get_site(pool: Pool, key: any): Site
	{
	local digest = fnv1a32(key);
	local winner = 0;
	local top = -1;

	for ( id in pool$sites )
		{
		local w = hrw_weight(digest, id);

		# Ties go to the larger id, so every node picks the same site.
		if ( w > top || (w == top && id > winner) )
			{
			top = w;
			winner = id;
			}
		}

	return pool$sites[winner];
	}
