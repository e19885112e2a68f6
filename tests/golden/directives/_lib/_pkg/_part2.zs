# Second file of the package: it can use what _part1 declared.
global pkg_size = |pkg_parts| + 1;
