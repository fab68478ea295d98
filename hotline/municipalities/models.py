from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class Municipality(Base):
    """A tenant: one of Denmark's 98 kommuner, member of the hotline or not."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    short_name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(40))
    member: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(10), default="da")
    email_domain: Mapped[str] = mapped_column(String(120))
    sender_email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    website: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Postcode(Base):
    """PostNord's postcode -> municipality pairs; one postcode may span several municipalities."""

    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), primary_key=True, index=True
    )
    city: Mapped[str] = mapped_column(String(120))
