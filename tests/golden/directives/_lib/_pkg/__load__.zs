# Package entry point: loading the directory loads this file, which loads the rest.
@load ./_part1
@load ./_part2
