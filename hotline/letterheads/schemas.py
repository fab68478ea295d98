"""A letterhead's theme (colours, texts, sender name) as files, database rows and API see it."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from hotline.kit.text import HEADER_TEXT, InputModel


def _lower(value: str) -> str:
    return value.lower()


HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(_lower)]
Line = Annotated[str, Field(min_length=1, max_length=120), HEADER_TEXT]


class Colors(InputModel):
    model_config = ConfigDict(extra="forbid")

    primary: HexColor = Field(description="Header band behind the logo and municipality name.")
    on_primary: HexColor = Field(description="Text on the header band (WCAG AA on primary).")
    accent: HexColor = Field(description="Links and headings on the white page (WCAG AA).")
    background: HexColor = Field("#f3f4f6", description="Around the 600 px letter.")


class ColorsUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    primary: HexColor | None = None
    on_primary: HexColor | None = None
    accent: HexColor | None = None
    background: HexColor | None = None


class Theme(InputModel):
    """Everything a letter shows besides its content; empty names fall back to the table."""

    model_config = ConfigDict(extra="forbid")

    sender_name: Line | None = Field(None, description="From display name; default: the name.")
    department: Line | None = None
    colors: Colors
    address_lines: Annotated[list[Line], Field(max_length=6, default_factory=list)]
    closing: Line = "Med venlig hilsen"
    signature_lines: Annotated[list[Line], Field(max_length=6, default_factory=list)]
    footer: Annotated[str, Field(max_length=1000)] = ""
    logo_alt: Line | None = None
    # Only the hotline's own theme names an address; municipalities send as sender_email.
    sender_email: EmailStr | None = None


class ThemeUpdate(InputModel):
    """What a municipality admin may change: omitted fields keep their value, ``null`` brings
    back the theme file's."""

    model_config = ConfigDict(extra="forbid")

    sender_name: Line | None = None
    department: Line | None = None
    colors: ColorsUpdate | None = None
    address_lines: Annotated[list[Line], Field(max_length=6)] | None = None
    closing: Line | None = None
    signature_lines: Annotated[list[Line], Field(max_length=6)] | None = None
    footer: Annotated[str, Field(max_length=1000)] | None = None
    logo_alt: Line | None = None


class LetterheadRead(BaseModel):
    municipality_code: str
    municipality_name: str
    source: Literal["database", "files", "default", "hotline"]
    version: int
    theme: Theme
    has_logo: bool
    logo_content_type: str | None
