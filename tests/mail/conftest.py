from tests.mail.sink import dkim_keys, smtp_sink

__all__ = ["dkim_keys", "smtp_sink"]  # the fixtures, shared with tests/replies
