"""The send audit: one append-only row per event of a reply (queued, sent, failed)."""

import hashlib
import hmac

from hotline.auth.models import User
from hotline.config import Settings
from hotline.replies.models import Reply, SendAudit


def recipient_hash(settings: Settings, address: str) -> str:
    """Keyed (secret-salted) hash for the audit: not reversible by guessing without the key."""
    normalised = address.strip().lower().encode()
    return hmac.new(settings.signing_key.encode(), normalised, hashlib.sha256).hexdigest()


def audit(settings: Settings, reply: Reply, agent: User | None, event: str) -> SendAudit:
    return SendAudit(
        event=event,
        reply_id=reply.id,
        agent_id=reply.agent_id,
        agent_municipality_code=agent.municipality_code if agent else None,
        municipality_code=reply.municipality_code,
        recipient_hash=recipient_hash(settings, reply.to or ""),
        article_slugs=list(reply.article_slugs),
        message_id=reply.message_id,
        detail=reply.last_error if event == "failed" else None,
    )
