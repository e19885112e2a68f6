# First file of the package.
global pkg_parts: vector of string = vector("part1");
