"""Stage 3a: checked AST to Python code."""
