# @expect-fail
# Using a module's non-exported global from another module is an error.
module Vault;

export {
	global public_count = 1;
}

global secret = "s3cr3t";

module GLOBAL;

event zeek_init()
	{
	print Vault::public_count;
	print Vault::secret;
	}
