# find_in_zeekpath tells which file @load would take (here: found in the
# current directory), usable in @if to load optional packages.
@if ( find_in_zeekpath("_findpkg") != "" )
@load _findpkg
@endif

@if ( find_in_zeekpath("no_such_package") != "" )
@load no_such_package
@endif

print find_in_zeekpath("_findpkg");
print find_in_zeekpath("find_in_zeekpath"), find_in_zeekpath("find_in_zeekpath.zs");
print find_in_zeekpath("no_such_package") == "";
print find_in_zeekpath("./find_in_zeekpath") == "";
