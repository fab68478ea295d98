"""Changing the knowledge base (moved into a package; split by aggregate in the next commit)."""

from hotline.knowledge.service.articles import *  # noqa: F403
