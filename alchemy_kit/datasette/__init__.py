"""Datasette for alchemy_kit: our plugin (SQL functions, cells, metadata, lineage page) and serving."""
