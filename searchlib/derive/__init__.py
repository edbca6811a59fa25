"""Bytes to records: loading, cleaning, dating, tagging, near-duplicates (pure functions, no Whoosh)."""
