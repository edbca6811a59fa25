"""The index: schema, generations, shards, checksums, and the one door to Whoosh internals."""
