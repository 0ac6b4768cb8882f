"""Finding prompts: embeddings and their BLOB codec, the in-memory vector index, text/semantic search."""
