"""Per-address attempt counters kept in the database, so every worker process and every
restart sees the same count (an in-memory limiter forgets on restart and counts per process)."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime


class RateLimitWindow(Base):
    """How often ``address`` tried ``bucket`` in the fixed window starting at ``window_start``."""

    __tablename__ = "rate_limit_windows"

    bucket: Mapped[str] = mapped_column(String(40), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
