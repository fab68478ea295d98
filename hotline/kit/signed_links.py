"""Signed links: a JWT signed with the server secret, for one purpose, with an expiry.

Whoever holds the link acts without an account (``SignedLinkActor``); the link names what it
is for (``purpose``) so a link made for one use never passes for another. Shared by the desk's
"handled" link (contacts) and the citizen's cancel/move link and booking form (meetings).
"""

from datetime import datetime
from typing import Any

import jwt

from hotline.config import Settings
from hotline.db import utcnow
from hotline.errors import Problem


class LinkInvalid(Problem):
    status, slug, title = 400, "link-invalid", "The link is not valid"


class LinkExpired(Problem):
    status, slug, title = 410, "link-expired", "The link has expired"


INVALID_DETAIL = "Linket er ugyldigt. Brug linket præcis som det stod i e-mailen."


def sign(settings: Settings, purpose: str, claims: dict[str, Any], expires_at: datetime) -> str:
    payload = {**claims, "purpose": purpose, "exp": int(expires_at.timestamp())}
    return jwt.encode(payload, settings.signing_key, algorithm="HS256")


def verify(
    settings: Settings,
    token: str,
    purpose: str,
    required: tuple[str, ...],
    *,
    expired_detail: str,
    invalid_detail: str = INVALID_DETAIL,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The claims of a valid ``token`` made for ``purpose``; LinkExpired or LinkInvalid else.
    Expiry is judged at ``now`` (the caller's clock, so services and tests share one)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.signing_key,
            algorithms=["HS256"],
            options={"require": ["exp", "purpose", *required], "verify_exp": False},
        )
    except jwt.InvalidTokenError as exc:
        raise LinkInvalid(invalid_detail) from exc
    if claims["purpose"] != purpose or not isinstance(claims["exp"], int | float):
        raise LinkInvalid(invalid_detail)
    if (now or utcnow()).timestamp() >= claims["exp"]:
        raise LinkExpired(expired_detail)
    return claims
