"""Everything that is a model or calls one: providers through llm, the catalog, our offline models."""
