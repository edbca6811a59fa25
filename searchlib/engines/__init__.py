"""Where pages are derived and written into shards: local worker processes, or a Dask cluster."""
