"""Search over the knowledge base as each municipality reads it."""

from hotline.search import indexing as indexing  # registers the session listeners
