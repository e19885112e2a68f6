##! The version of the Zeek script language zscript implements, and helpers
##! to compare versions (Zeek's ``base/misc/version``).  Scripts use
##! ``@if ( Version::at_least("6.0") )`` to select code for a language version.

module Version;

export {
	## A parsed version string.
	type VersionDescription: record {
		## major * 10000 + minor * 100 + patch
		version_number: count;
		major: count;	##< Major version.
		minor: count;	##< Minor version.
		patch: count;	##< Patch level.
		commit: count;	##< Commits since the release (0 for a release).
		beta: bool;	##< A pre-release version.
		debug: bool;	##< A debug build.
		localversion: string;	##< Any local suffix.
		version_string: string;	##< The string that was parsed.
	};

	## Parses a version string such as ``"8.1.0"`` or ``"7.0.3-dev.42"``.
	global parse: function(version_string: string): VersionDescription;

	## Whether the running language version is at least *version_string*.
	global at_least: function(version_string: string): bool;
}

function part(parts: string_vec, i: count): count
	{
	return i < |parts| && |parts[i]| > 0 ? to_count(parts[i]) : 0;
	}

function parse(version_string: string): VersionDescription
	{
	local main_and_rest = split_string1(version_string, /-/);
	local nums = split_string(main_and_rest[0], /\./);
	local major = part(nums, 0);
	local minor = part(nums, 1);
	local patch = part(nums, 2);
	local rest = |main_and_rest| > 1 ? main_and_rest[1] : "";
	local commit = 0;

	if ( rest != "" )
		{
		local tail = split_string(rest, /\./);
		commit = part(tail, |tail| - 1);
		}

	return VersionDescription($version_number=major * 10000 + minor * 100 + patch,
	                          $major=major, $minor=minor, $patch=patch, $commit=commit,
	                          $beta=/beta/ in rest, $debug=/debug/ in rest,
	                          $localversion="", $version_string=version_string);
	}

export {
	## The running version, parsed.
	const info: VersionDescription = parse(zeek_version());

	## The running version as a number (see VersionDescription$version_number).
	const number: count = info$version_number;
}

function at_least(version_string: string): bool
	{
	return number >= parse(version_string)$version_number;
	}
