"""Search over the knowledge base as each municipality reads it."""
