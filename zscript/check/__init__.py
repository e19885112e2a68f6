"""Stage 2: name resolution and type checking."""
