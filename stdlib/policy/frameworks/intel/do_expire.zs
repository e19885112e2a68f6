##! Intel indicators expire: an indicator not inserted again for
##! :zeek:see:`Intel::item_expiration` (10 minutes here) is removed (Zeek's
##! ``policy/frameworks/intel/do_expire``).

@load base/frameworks/intel

module Intel;

redef Intel::item_expiration = 10min;

# Without this handler an expiring indicator would be kept: the base hook
# keeps what no handler breaks on.
hook item_expired(indicator: string, indicator_type: Type, metas: set[MetaData]) &priority=-10
	{
	break;
	}
