"""Stage 1: script text to AST (lexer, Lark grammar, tree building, printing)."""
