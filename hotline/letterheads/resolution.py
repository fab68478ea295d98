"""Which letterhead a municipality's replies go out on: its database override on top of its
theme folder ``templates/letterheads/<code>/`` (or ``default/`` filled in with the name and
contact data of the municipalities table). Municipalities outside the hotline never get a
letterhead of their own: replies to their citizens use the hotline's neutral ``hotline/`` theme.
"""

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.errors import InvalidInput
from hotline.letterheads.logos import Logo, validate_logo
from hotline.letterheads.models import LetterheadOverride
from hotline.letterheads.schemas import Theme, ThemeUpdate
from hotline.letterheads.themes import DEFAULT_THEME, HOTLINE_THEME, load_theme_folder
from hotline.municipalities.models import Municipality

Source = Literal["database", "files", "default", "hotline"]


@dataclass(frozen=True)
class Letterhead:
    """What a letter looks like and who signs it, resolved for one municipality."""

    municipality: Municipality  # the citizen's municipality, member or not
    theme: Theme
    logo: Logo | None
    source: Source
    version: int  # 0 while only files define it

    @property
    def on_behalf(self) -> bool:
        """True on the hotline's neutral letterhead for a municipality that is not a member."""
        return self.source == "hotline"

    @property
    def sender_name(self) -> str:
        if self.theme.sender_name:
            return self.theme.sender_name
        return self.municipality.name

    @property
    def etag(self) -> str:
        return f'"{self.municipality.code}-{self.version}"'

    @property
    def logo_cid(self) -> str:
        owner = HOTLINE_THEME if self.on_behalf else self.municipality.code
        return f"logo-{owner}-{self.version}@letterhead.hotline"


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep merge; ``None`` removes a key, so the theme file's value shows again."""
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_files(
    settings: Settings, municipality: Municipality
) -> tuple[Theme, Logo | None, Source]:
    if not municipality.member:
        return (*load_theme_folder(settings.letterheads_dir / HOTLINE_THEME), "hotline")
    own_folder = settings.letterheads_dir / municipality.code
    if (own_folder / "theme.yaml").exists():
        return (*load_theme_folder(own_folder), "files")
    return (*load_theme_folder(settings.letterheads_dir / DEFAULT_THEME), "default")


def letterhead_for(session: Session, settings: Settings, municipality: Municipality) -> Letterhead:
    """The letterhead a reply to a citizen of ``municipality`` goes out on."""
    theme, logo, source = _from_files(settings, municipality)
    if source == "hotline":  # never a letterhead the municipality has not joined with
        return Letterhead(municipality, theme, logo, source, 0)
    override = session.get(LetterheadOverride, municipality.code)
    if override is None:
        return Letterhead(municipality, theme, logo, source, 0)
    if override.theme:
        theme = Theme.model_validate(_merge(theme.model_dump(), override.theme))
        source = "database"
    if override.logo is not None:
        logo = validate_logo(override.logo)
        source = "database"
    # The version only ever grows, so an ETag read before a reset never matches again.
    return Letterhead(municipality, theme, logo, source, override.version)


def proposed_letterhead(
    session: Session, settings: Settings, municipality: Municipality, changes: ThemeUpdate
) -> tuple[Letterhead, dict[str, Any]]:
    """(the letterhead as saving ``changes`` would make it, the theme stored for that).

    The one merge of an admin's changes: a field sent as ``None`` drops the admin's value so
    the theme file's shows again. Preview and save both use it, so they cannot disagree.
    """
    current = letterhead_for(session, settings, municipality)
    if current.on_behalf:
        raise InvalidInput(f"{municipality.name} is not a member and has no letterhead to edit.")
    override = session.get(LetterheadOverride, municipality.code)
    stored = _merge(
        (override.theme if override else None) or {}, changes.model_dump(exclude_unset=True)
    )
    file_theme, _logo, source = _from_files(settings, municipality)
    theme = Theme.model_validate(_merge(file_theme.model_dump(), stored))
    shown_source: Source = "database" if stored or current.source == "database" else source
    return Letterhead(municipality, theme, current.logo, shown_source, current.version), stored
