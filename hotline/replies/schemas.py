from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ReplyRead(BaseModel):
    """A reply's delivery state; ``to`` is null once the retention period erased it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    agent_id: int | None
    municipality_code: str
    to: str | None
    subject: str
    message_id: str
    reference: str | None  # what the citizen quotes; null for a system message
    article_slugs: list[str]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
