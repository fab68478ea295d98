from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    UrlConstraints,
)

from hotline.kit.patches import PartialUpdate


def normalise_code(value: object) -> str:
    """Kommunekoder are four digits; ``751`` and ``0751`` mean the same municipality."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= len(text) <= 4:
        raise ValueError("a municipality code is 1-4 digits, e.g. 0751 or 751")
    return text.zfill(4)


MunicipalityCode = Annotated[str, BeforeValidator(normalise_code)]
Phone = Annotated[str, Field(min_length=4, max_length=40, pattern=r"^\+?[0-9 ()-]+$")]

HOTLINE_COLUMNS = frozenset({"member", "locale", "email_domain"})
CONTACT_COLUMNS = frozenset({"sender_email", "phone", "website"})


class MunicipalityRead(BaseModel):
    # frozen: a process keeps one per municipality and hands it to every request
    model_config = ConfigDict(from_attributes=True, frozen=True)

    code: str
    name: str
    short_name: str
    region: str
    member: bool
    locale: str
    email_domain: str
    sender_email: str
    phone: str
    website: str


class MunicipalityUpdate(PartialUpdate):
    """Operators may change every column here; a municipality admin only the contact ones."""

    member: bool | None = None
    locale: Annotated[str, Field(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")] | None = None
    email_domain: (
        Annotated[str, Field(max_length=120, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")] | None
    ) = None
    sender_email: Annotated[EmailStr, Field(max_length=254)] | None = None
    phone: Phone | None = None
    website: Annotated[HttpUrl, UrlConstraints(max_length=254)] | None = None


class PostalDistrict(BaseModel):
    postcode: str
    city: str
    shared: bool  # other municipalities have part of this postcode too


class PostcodeCandidate(BaseModel):
    code: str
    name: str
    short_name: str
    member: bool
    city: str
    # Where the postcode is shared: this municipality's postal districts (from PostNord's file),
    # so the agent can ask which area the citizen lives in. Empty when the postcode is not shared.
    districts: list[PostalDistrict] = []


class PostcodeRead(BaseModel):
    postcode: str
    municipalities: list[PostcodeCandidate]
