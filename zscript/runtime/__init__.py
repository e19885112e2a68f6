"""Runtime values, containers, printing and built-in functions."""
