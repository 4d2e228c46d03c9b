"""Selectors: the read queries, one module per question."""
