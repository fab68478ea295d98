"""Outgoing email: MIME building, DKIM signing and the transports (SMTP or .eml files).

Configuration (environment, prefix ``HOTLINE_``):

- ``SMTP_URL``: ``smtp://user:pass@host:587?starttls=true`` (STARTTLS), ``smtps://user:pass@host``
  (implicit TLS, port 465) or ``smtp://host:25``; URL-encode special characters of the password;
  option ``timeout=<seconds>``. Unset: every message is written atomically to
  ``<VAR_DIR>/mail/<message-id>.eml`` instead (demo default).
- ``DKIM_KEY_DIR`` and ``DKIM_SELECTOR`` (default ``hotline``): ``<DKIM_KEY_DIR>/<domain>.pem``
  is the PEM RSA private key of ``domain``, published as ``<selector>._domainkey.<domain>``
  (make one with dkimpy's ``dknewkey``). Messages are signed for the From domain, else for the
  shared sending domain; with neither key they go out unsigned.
- ``RUN_WORKER`` (default true): deliver inside ``hotline serve``; or run ``hotline worker``
  processes (any number) and set it false.
- ``MAIL_BATCH_SIZE``, ``MAIL_LEASE_SECONDS``, ``MAIL_POLL_SECONDS``, ``MAIL_CONFIRM_GROUP``,
  ``MAIL_RETRY_BASE_SECONDS``, ``MAIL_RETRY_MAX_SECONDS``, ``MAIL_MAX_ATTEMPTS``: see
  hotline/replies/worker.py and outbox.py.
- ``REPLY_RETENTION_DAYS`` (default 180): then a settled reply's recipient, subject, content and
  message are erased; its status, Message-ID and the audit (recipient as keyed hash) remain.
"""
