"""Requests counted per (scope, client address, fixed window) in the database, so every
process and every server behind the load balancer counts the same requests."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime


class RateLimitWindow(Base):
    __tablename__ = "rate_limit_windows"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer)
