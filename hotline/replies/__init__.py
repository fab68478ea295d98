"""Replies to citizens: the outbox the API fills and the worker delivers, with its audit."""
