"""Accepting replies: compose, then store the reply (its own outbox entry) in the caller's
transaction, honouring Idempotency-Key; reading them back for their sender or an operator."""

import hashlib
import json
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, can
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import (
    ComposedReply,
    compose_reply,
    refuse_unfilled_placeholders,
)
from hotline.config import Settings
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.mail.dkim import signer_for
from hotline.mail.message import Attachment, build_message, make_message_id
from hotline.observability.logs import current_request_id
from hotline.replies.audit import audit
from hotline.replies.models import (
    IDEMPOTENCY_WINDOW,
    IdempotencyKey,
    Reply,
    ReplyStatus,
)


class IdempotencyKeyReused(InvalidInput):
    slug, title = "idempotency-key-reused", "Idempotency-Key reused for a different request"


class IdempotencyKeyInUse(Conflict):
    slug, title = "idempotency-key-in-use", "A request with this Idempotency-Key is in progress"


def _fingerprint(request: ReplyRequest) -> str:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _earlier_reply(session: Session, agent: User, key: str, fingerprint: str) -> Reply | None:
    """The reply a previous request with this key created, if it is still within the window."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.agent_id == agent.id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.created_at < utcnow() - IDEMPOTENCY_WINDOW:
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different reply; use a new key."
        )
    return session.get_one(Reply, row.reply_id)


# Crockford-like: no 0/O, 1/I/L, U, so a reference read aloud or retyped stays the same.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 5  # 30**5 = 24 million


def new_reference(session: Session) -> str:
    """A short, unused reference a citizen can quote, e.g. ``HL-7K3Q9``. The unique column
    is the last word; looking first makes a clash (1 in millions) a retry, not an error."""
    while True:
        reference = "HL-" + "".join(
            secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )
        if session.scalar(select(Reply.id).where(Reply.reference == reference)) is None:
            return reference


def enqueue(
    session: Session,
    settings: Settings,
    composed: ComposedReply,
    agent: User | None,
    attachments: Sequence[Attachment] = (),
) -> Reply:
    """Build and sign the message, store it as a queued outbox entry, and audit it.
    ``agent`` None: a system message (meetings' confirmations and reminders)."""
    now = utcnow()
    message_id = make_message_id(composed.sending_domain)
    try:
        built = build_message(composed, message_id=message_id, date=now)
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            built.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        message = built.as_bytes()
    except ValueError as exc:
        raise InvalidInput(f"This reply cannot be sent as an email: {exc}") from exc
    signer = signer_for(settings.dkim_key_dir, settings.dkim_selector)
    reply = Reply(
        agent_id=agent.id if agent else None,
        municipality_code=composed.municipality_code,
        to=composed.to,
        subject=composed.subject,
        from_name=composed.from_name,
        from_address=composed.from_address,
        reply_to=composed.reply_to,
        sending_domain=composed.sending_domain,
        html=composed.html,
        text=composed.text,
        article_slugs=list(composed.article_slugs),
        message_id=message_id,
        reference=composed.reference,
        mime=signer.sign(message, composed.from_address, composed.sending_domain),
        status=ReplyStatus.QUEUED.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        request_id=current_request_id(),
    )
    session.add(reply)
    session.flush()
    session.add(audit(settings, reply, agent, "queued"))
    session.flush()
    return reply


def submit(
    session: Session,
    settings: Settings,
    request: ReplyRequest,
    agent: User,
    idempotency_key: str | None = None,
    *,
    survey_link: str | None = None,
) -> tuple[Reply, bool]:
    """Compose (the CPR guard and a template's unfilled placeholder refuse before anything is
    stored) and enqueue, with a new reference for the citizen to quote.

    ``survey_link`` is printed under the signature; the caller that knows the contact the reply
    belongs to (``hotline.satisfaction.service.send_reply``) supplies it, so the outbox imports
    neither contacts nor satisfaction.

    Returns the reply and whether it is the replay of an earlier request with the same key.
    """
    fingerprint = _fingerprint(request)
    if idempotency_key is not None:
        earlier = _earlier_reply(session, agent, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier, True
    refuse_unfilled_placeholders(session, request)
    composed = compose_reply(
        session,
        settings,
        request,
        agent,
        survey_link=survey_link,
        reference=new_reference(session),
    )
    reply = enqueue(session, settings, composed, agent)
    if idempotency_key is not None:
        try:
            with session.begin_nested():
                session.add(
                    IdempotencyKey(
                        agent_id=agent.id,
                        key=idempotency_key,
                        request_hash=fingerprint,
                        reply_id=reply.id,
                    )
                )
        except IntegrityError as exc:
            raise IdempotencyKeyInUse(
                "Another request with this Idempotency-Key is being processed; retry shortly."
            ) from exc
    return reply, False


def get_reply(session: Session, user: User, reply_id: int) -> Reply:
    """Its sender or an operator; to anyone else it does not exist."""
    reply = session.get(Reply, reply_id)
    if reply is None or not (reply.agent_id == user.id or can(user, Action.READ_ALL_REPLIES)):
        raise NotFound(f"No reply {reply_id}.")
    return reply


def list_replies(session: Session, user: User, *, limit: int = 50) -> list[Reply]:
    """The newest replies: the user's own, or every one for an operator."""
    stmt = select(Reply).order_by(Reply.id.desc()).limit(limit)
    if not can(user, Action.READ_ALL_REPLIES):
        stmt = stmt.where(Reply.agent_id == user.id)
    return list(session.scalars(stmt))
