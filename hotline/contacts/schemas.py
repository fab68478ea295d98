"""What the contacts API and console accept and return (the CPR guard runs in the service)."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hotline.composer.schemas import Slug
from hotline.contacts.models import NOTE_MAX_CHARS, ArticleUse, Authority, Channel, Outcome
from hotline.kit.text import NORMALISED, InputModel

MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$")]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX_CHARS), NORMALISED
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ]{8,20}$", max_length=40)
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NORMALISED
]


class CitizenDetails(InputModel):
    """Only what the citizen agreed to give: every field may stay empty."""

    citizen_name: Name | None = None
    citizen_phone: Phone | None = None
    citizen_email: EmailStr | None = None


class ContactOpen(CitizenDetails):
    municipality: MunicipalityCode
    channel: Channel = Channel.PHONE
    topic: Category | None = None


class ContactUpdate(CitizenDetails):
    """A correction: only the fields sent change (``model_fields_set``)."""

    channel: Channel | None = None
    topic: Category | None = None
    note: Note | None = None
    outcome: Outcome | None = None
    referred_to: Authority | None = None


class ContactClose(InputModel):
    outcome: Outcome
    referred_to: Authority | None = None
    topic: Category | None = None
    note: Note | None = None


class ArticleTouched(InputModel):
    slug: Slug
    use: ArticleUse = ArticleUse.OPENED


class ContactArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    use: str
    at: datetime


class ContactRead(BaseModel):
    """A contact; the citizen's details and note are null once retention erased them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    municipality_code: str
    member: bool
    channel: str
    agent_id: int
    started_at: datetime
    ended_at: datetime | None
    handling_seconds: int | None
    topic: str | None
    outcome: str | None
    referred_to: str | None
    note: str | None
    citizen_name: str | None
    citizen_phone: str | None
    citizen_email: str | None
    erased_at: datetime | None
    version: int
    articles: list[ContactArticleRead]


class Promise(StrEnum):
    """What the hotline promised the citizen; each is a number of Danish working days."""

    NEXT_WORKING_DAY = "next_working_day"
    TWO_WORKING_DAYS = "two_working_days"
    FIVE_WORKING_DAYS = "five_working_days"


class ForwardRequest(CitizenDetails):
    question: ShortText  # what the citizen asked
    action_taken: ShortText  # what the agent did
    promise: Promise = Promise.NEXT_WORKING_DAY


class ForwardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    municipality_code: str
    desk_name: str
    mailbox: str
    reply_id: int
    promise: str
    due_at: datetime
    created_at: datetime
    handled_at: datetime | None


class RouteWrite(InputModel):
    desk_name: Name
    mailbox: EmailStr


class SharedRouteWrite(InputModel):
    desk_name: Name
    mailbox_local_part: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class RouteRead(BaseModel):
    category: str  # "*" is the default desk
    desk_name: str
    mailbox: str
    source: str  # "local" (the municipality's own) or "shared" (inherited)


class PriceWrite(InputModel):
    price_per_contact: Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=2)]


class PriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    valid_from: date
    price_per_contact: Decimal
