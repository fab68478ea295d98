"""Letterheads' use cases: municipality admins change the theme files' colours and texts, upload
a logo or drop their changes again; each is authorised, versioned and checked here.

The pieces live beside it: ``resolution`` (which letterhead a municipality's replies use),
``themes`` (the theme folders), ``logos`` (image checks), ``contrast`` (WCAG AA of every
text/background pair the layouts draw) and ``texts`` (the CPR guard over its texts). Their
public names are re-exported here, so callers can keep importing them from
``hotline.letterheads.service``.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.auth.permissions import Action, require
from hotline.config import Settings
from hotline.errors import InvalidInput, PreconditionFailed
from hotline.kit.versions import check_version
from hotline.letterheads.contrast import (
    BODY_TEXT_COLOR,
    LAYOUT_TEXT_PAIRS,
    MIN_CONTRAST,
    PAGE_COLOR,
    ContrastProblem,
    TextPair,
    contrast_problems,
    contrast_ratio,
)
from hotline.letterheads.logos import (
    MAX_DISPLAY_WIDTH,
    MAX_LOGO_BYTES,
    MAX_LOGO_SIZE,
    InvalidLogo,
    Logo,
    check_logo_file,
    clean_logo,
    validate_logo,
)
from hotline.letterheads.models import LetterheadOverride
from hotline.letterheads.resolution import (
    Letterhead,
    Source,
    letterhead_for,
    proposed_letterhead,
)
from hotline.letterheads.schemas import ThemeUpdate
from hotline.letterheads.texts import (
    LETTERHEAD_TEXT_FIELDS,
    CprNumberInLetterhead,
    fields_with_cpr_numbers,
    refuse_cpr_numbers_in_letterhead,
)
from hotline.letterheads.themes import (
    DEFAULT_THEME,
    HOTLINE_THEME,
    check_theme_files,
    load_theme_folder,
    theme_folders,
)
from hotline.municipalities.models import Municipality

__all__ = [
    "BODY_TEXT_COLOR",
    "DEFAULT_THEME",
    "HOTLINE_THEME",
    "LAYOUT_TEXT_PAIRS",
    "LETTERHEAD_TEXT_FIELDS",
    "MAX_DISPLAY_WIDTH",
    "MAX_LOGO_BYTES",
    "MAX_LOGO_SIZE",
    "MIN_CONTRAST",
    "PAGE_COLOR",
    "ContrastProblem",
    "CprNumberInLetterhead",
    "InsufficientContrast",
    "InvalidLogo",
    "Letterhead",
    "Logo",
    "Source",
    "TextPair",
    "check_logo_file",
    "check_theme_files",
    "clean_logo",
    "contrast_problems",
    "contrast_ratio",
    "fields_with_cpr_numbers",
    "letterhead_for",
    "load_theme_folder",
    "preview_theme",
    "refuse_cpr_numbers_in_letterhead",
    "reset_letterhead",
    "set_logo",
    "theme_folders",
    "update_theme",
    "validate_logo",
]


class InsufficientContrast(InvalidInput):
    """Refused colours; ``problems`` names each failing pair, ``fields`` the colours to change."""

    slug = "insufficient-contrast"
    title = "Colours fail WCAG AA contrast"

    def __init__(self, problems: list[ContrastProblem]):
        fields = sorted({f"colors.{p.field}" for p in problems if p.field})
        super().__init__(
            "; ".join(problem.message for problem in problems),
            fields=fields,
            problems=[problem.as_json() for problem in problems],
        )
        self.problems = problems


def _save(session: Session, municipality: Municipality) -> None:
    """Flush; a concurrent save of the same letterhead is a 412, as a stale If-Match is."""
    name = municipality.name  # a failed flush expires everything the session holds
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise PreconditionFailed(
            f"The letterhead of {name} was changed by someone else at the same "
            "time; reload it and apply your change again."
        ) from exc


def _override_row(session: Session, municipality: Municipality) -> LetterheadOverride:
    override = session.get(LetterheadOverride, municipality.code)
    if override is None:
        override = LetterheadOverride(municipality_code=municipality.code, theme={})
        session.add(override)
    return override


def preview_theme(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    changes: ThemeUpdate,
    user: User,
) -> Letterhead:
    """The letterhead as it would look after ``update_theme`` with the same changes (also when
    ``update_theme`` would refuse them: ``contrast_problems`` of its theme says why)."""
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    return proposed_letterhead(session, settings, municipality, changes)[0]


def update_theme(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    changes: ThemeUpdate,
    user: User,
    *,
    if_match: str | None = None,
) -> Letterhead:
    """Apply an admin's changes; refused as a whole when the resulting colours fail WCAG AA or
    any of its texts holds a CPR number (it would stand in, or block, every letter)."""
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    current = letterhead_for(session, settings, municipality)
    if not current.on_behalf:
        check_version(
            if_match, current.etag, what=f"the letterhead of {municipality.name}", required=False
        )
    proposed, stored = proposed_letterhead(session, settings, municipality, changes)
    problems = contrast_problems(proposed.theme)
    if problems:  # refused before any row is added
        raise InsufficientContrast(problems)
    refuse_cpr_numbers_in_letterhead(proposed.theme)
    override = _override_row(session, municipality)
    override.theme = stored
    override.updated_by_id = user.id
    _save(session, municipality)
    return letterhead_for(session, settings, municipality)


def set_logo(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    data: bytes,
    user: User,
    *,
    if_match: str | None = None,
) -> Letterhead:
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    logo = clean_logo(data)
    current = letterhead_for(session, settings, municipality)
    if current.on_behalf:
        raise InvalidInput(f"{municipality.name} is not a member and has no letterhead to edit.")
    check_version(
        if_match, current.etag, what=f"the letterhead of {municipality.name}", required=False
    )
    override = _override_row(session, municipality)
    override.logo = logo.data
    override.updated_by_id = user.id
    _save(session, municipality)
    return letterhead_for(session, settings, municipality)


def reset_letterhead(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    user: User,
    *,
    if_match: str | None = None,
) -> Letterhead:
    """Drop the admin's changes: the theme files apply again."""
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    current = letterhead_for(session, settings, municipality)
    check_version(
        if_match, current.etag, what=f"the letterhead of {municipality.name}", required=False
    )
    override = _override_row(session, municipality)
    override.theme, override.logo = {}, None
    override.updated_by_id = user.id
    _save(session, municipality)
    return letterhead_for(session, settings, municipality)
