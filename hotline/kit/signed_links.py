"""Signed links that carry no account: a JWT (HS256, the server secret) naming one purpose and
the few ids it grants. Holding the link is the credential, so it must name exactly what it is
for (the purpose and, e.g., one contact) and expire. Shared by every domain that mails such a
link (contacts' desk link could move here too; the survey and partner-round links use it)."""

from datetime import UTC, datetime
from typing import Any

import jwt

from hotline.errors import Problem

INVALID_TEXT = "Linket er ugyldigt. Brug linket præcis som det stod i e-mailen."


class SignedLinkInvalid(Problem):
    status, slug, title = 400, "link-invalid", "The link is not valid"


class SignedLinkExpired(Problem):
    status, slug, title = 410, "link-expired", "The link has expired"


def sign_link(key: str, purpose: str, claims: dict[str, Any], expires_at: datetime) -> str:
    """``key`` is the server secret (``Settings.signing_key``): the kit sits below the settings."""
    payload = {**claims, "purpose": purpose, "exp": int(expires_at.timestamp())}
    return jwt.encode(payload, key, algorithm="HS256")


def verify_link(
    key: str,
    token: str,
    purpose: str,
    int_claims: tuple[str, ...],
    now: datetime | None = None,
    *,
    other_claims: tuple[str, ...] = (),
    expired_detail: str = "Linket er udløbet. / The link has expired.",
    invalid_detail: str = INVALID_TEXT,
) -> dict[str, Any]:
    """The claims of a link signed for ``purpose``; each of ``int_claims`` is an int, each of
    ``other_claims`` present (e.g. a municipality code). Expiry is checked against ``now`` (the
    service's clock), after the signature. The details let a page say what to do next."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            options={
                "require": ["exp", "purpose", *int_claims, *other_claims],
                "verify_exp": False,
            },
        )
    except jwt.InvalidTokenError as exc:
        raise SignedLinkInvalid(invalid_detail) from exc
    if (
        claims["purpose"] != purpose
        or not isinstance(claims["exp"], int)
        or not all(
            isinstance(claims[name], int) and not isinstance(claims[name], bool)
            for name in int_claims
        )
    ):
        raise SignedLinkInvalid(invalid_detail)
    if claims["exp"] <= (now or datetime.now(UTC)).timestamp():
        raise SignedLinkExpired(expired_detail)
    return claims
