"""DKIM signing with dkimpy, with keys from ``HOTLINE_DKIM_KEY_DIR``.

Layout: one PEM private key per domain, ``<dkim_key_dir>/<domain>.pem`` (e.g. ``aarhus.dk.pem``),
published in DNS as ``<HOTLINE_DKIM_SELECTOR>._domainkey.<domain>``. A message is signed for its
From domain when that domain has a key, else for its sending domain (the shared hotline domain)
when that has one, else it goes out unsigned. Messages are signed when a reply is submitted
(the outbox holds the signed bytes); a new key is picked up at once, a replaced key file after
a restart.
"""

from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path

import dkim

# Headers a receiver shows or threads on; signing them makes tampering detectable.
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"mime-version",
    b"content-type",
)


class DkimSigner:
    """Reads each domain's key once; signing is then pure computation."""

    def __init__(self, key_dir: Path | None, selector: str) -> None:
        self.key_dir = key_dir
        self.selector = selector.encode("ascii")
        self._keys: dict[str, bytes] = {}

    def _key(self, domain: str) -> bytes | None:
        """A key found is kept for the process; a missing one is looked for again next time."""
        domain = domain.lower()
        if domain not in self._keys and self.key_dir is not None:
            path = self.key_dir / f"{domain}.pem"
            if path.is_file():
                self._keys[domain] = path.read_bytes()
        return self._keys.get(domain)

    def signing_domain(self, from_address: str, sending_domain: str) -> str | None:
        from_domain = parseaddr(from_address)[1].rpartition("@")[2]
        for domain in (from_domain, sending_domain):
            if domain and self._key(domain) is not None:
                return domain.lower()
        return None

    def sign(self, message: bytes, from_address: str, sending_domain: str) -> bytes:
        """The message with a DKIM-Signature header prepended, or unchanged without a key."""
        domain = self.signing_domain(from_address, sending_domain)
        if domain is None:
            return message
        key = self._key(domain)
        assert key is not None
        signature = dkim.sign(
            message,
            self.selector,
            domain.encode("ascii"),
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h for h in SIGNED_HEADERS if _has_header(message, h)],
        )
        return signature + message


def _has_header(message: bytes, name: bytes) -> bool:
    head = message.split(b"\r\n\r\n", 1)[0].lower()
    return head.startswith(name + b":") or b"\r\n" + name + b":" in head


@lru_cache(maxsize=8)
def signer_for(key_dir: Path | None, selector: str) -> DkimSigner:
    """One signer (and key cache) per configuration and process."""
    return DkimSigner(key_dir, selector)
