"""Reply requests, previews and reply templates as the API sees them."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from hotline.kit.text import HEADER_TEXT, NORMALISED, InputModel
from hotline.municipalities.schemas import MunicipalityCode

Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
TEMPLATE_KEY = r"^[a-z0-9]+([-_][a-z0-9]+)*$"
TemplateKey = Annotated[str, Field(min_length=1, max_length=80, pattern=TEMPLATE_KEY)]


class ReplyRequest(InputModel):
    """The JSON body of POST /api/v1/replies and /api/v1/replies/preview."""

    model_config = ConfigDict(extra="forbid")

    municipality: MunicipalityCode = Field(description="The citizen's municipality, 4 digits.")
    to: EmailStr
    citizen_name: Annotated[str, Field(max_length=120), HEADER_TEXT] | None = None
    subject: Annotated[str, Field(min_length=1, max_length=200), HEADER_TEXT]
    body_markdown: Annotated[str, Field(max_length=20_000), NORMALISED]
    article_slugs: Annotated[list[Slug], Field(max_length=10, default_factory=list)]
    template: TemplateKey | None = Field(
        default=None, description="Reply template key; its body is used when given."
    )


class ReplyPreview(BaseModel):
    """Exactly what would be sent: the response of POST /api/v1/replies/preview."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    subject: str
    from_: str = Field(alias="from")
    reply_to: str | None
    html: str
    text: str


class ReplyTemplateCreate(InputModel):
    """A shared template (municipality_code None, editors) or a municipality's own (its admin)."""

    model_config = ConfigDict(extra="forbid")

    key: TemplateKey
    municipality_code: MunicipalityCode | None = None
    title: Annotated[str, Field(min_length=1, max_length=120), HEADER_TEXT]
    subject: Annotated[str, Field(max_length=200), HEADER_TEXT] | None = None
    body_markdown: Annotated[str, Field(min_length=1, max_length=20_000), NORMALISED]


class ReplyTemplateUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=120), HEADER_TEXT] | None = None
    subject: Annotated[str, Field(max_length=200), HEADER_TEXT] | None = None
    body_markdown: Annotated[str, Field(min_length=1, max_length=20_000), NORMALISED] | None = None


class ReplyTemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    municipality_code: str | None
    title: str
    subject: str | None
    body_markdown: str
    version: int
