"""Letterheads: theme files as the fallback, municipality admins' changes in the database.

The effective letterhead of a municipality is, in order: its database override on top of its
theme folder ``templates/letterheads/<code>/`` (or ``default/`` filled in with the name and
contact data of the municipalities table). Municipalities outside the hotline never get a
letterhead of their own: replies to their citizens use the hotline's neutral ``hotline/`` theme.
"""

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from PIL import Image
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.auth.permissions import Action, require
from hotline.config import Settings
from hotline.errors import InvalidInput, PreconditionFailed
from hotline.kit.versions import check_version
from hotline.letterheads.models import LetterheadOverride
from hotline.letterheads.schemas import Theme, ThemeUpdate
from hotline.municipalities.models import Municipality
from hotline.sync import SourceError, SourceErrors

DEFAULT_THEME = "default"
HOTLINE_THEME = "hotline"
BODY_TEXT_COLOR = "#1f2328"
PAGE_COLOR = "#ffffff"
MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text
MAX_LOGO_BYTES = 200 * 1024
MAX_LOGO_SIZE = (600, 200)
MAX_DISPLAY_WIDTH = 300
_LOGO_FILES = ("logo.png", "logo.jpg")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
# JPEG start-of-frame markers (which carry the size); C4, C8 and CC are other segments.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

Source = Literal["database", "files", "default", "hotline"]


class InsufficientContrast(InvalidInput):
    slug = "insufficient-contrast"
    title = "Colours fail WCAG AA contrast"


class InvalidLogo(InvalidInput):
    slug = "invalid-logo"
    title = "The logo was refused"


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def filename(self) -> str:
        return "logo.png" if self.content_type == "image/png" else "logo.jpg"

    @property
    def display_size(self) -> tuple[int, int]:
        """Wide logos are drawn at half size: sharp on high-density screens, at most 300 px."""
        scale = 2 if self.width > MAX_DISPLAY_WIDTH else 1
        return self.width // scale, self.height // scale


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


# ---------------------------------------------------------------------------- validation


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problems(theme: Theme) -> list[tuple[str, str]]:
    """(colour field, message) for every text colour that fails WCAG AA on its background."""
    pairs = {
        "on_primary": ("on_primary on primary", theme.colors.on_primary, theme.colors.primary),
        "accent": ("accent on the white page", theme.colors.accent, PAGE_COLOR),
    }
    problems = []
    for field, (name, foreground, background) in pairs.items():
        ratio = contrast_ratio(foreground, background)
        if ratio < MIN_CONTRAST:
            problems.append(
                (
                    field,
                    f"{name}: {foreground} on {background} has contrast {ratio:.2f}:1, "
                    f"WCAG AA needs {MIN_CONTRAST}:1",
                )
            )
    return problems


def _image_size(data: bytes) -> tuple[str, int, int]:
    """(content type, width, height) from the bytes themselves, never from the file name."""
    if data.startswith(_PNG_MAGIC) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(_JPEG_MAGIC):
        position = 2
        while position + 9 <= len(data) and data[position] == 0xFF:
            marker = data[position + 1]
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            if marker in _JPEG_SOF:
                height, width = struct.unpack(">HH", data[position + 5 : position + 9])
                return "image/jpeg", width, height
            position += 2 + length
        raise InvalidLogo("The JPEG file has no readable image size.")
    raise InvalidLogo(
        "The logo must be a PNG or JPEG image (SVG and other formats are not accepted: "
        "mail clients block or mangle them, and SVG can carry scripts)."
    )


def validate_logo(data: bytes) -> Logo:
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidLogo(f"The logo is {len(data)} bytes; at most {MAX_LOGO_BYTES} are allowed.")
    content_type, width, height = _image_size(data)
    max_width, max_height = MAX_LOGO_SIZE
    if not (0 < width <= max_width and 0 < height <= max_height):
        raise InvalidLogo(
            f"The logo is {width}x{height} px; at most {max_width}x{max_height} px are allowed."
        )
    return Logo(data=data, content_type=content_type, width=width, height=height)


def _decoded(logo: Logo) -> Image.Image:
    """The whole image decoded, so a truncated or corrupt file is refused, not stored."""
    expected = "PNG" if logo.content_type == "image/png" else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(logo.data), formats=[expected])
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise InvalidLogo(
            f"The logo cannot be read as a complete {expected} image; save it again as PNG "
            "or JPEG and upload that file."
        ) from exc
    if image.size != (logo.width, logo.height):
        raise InvalidLogo("The logo's header and its image data disagree about its size.")
    return image


def check_logo_file(data: bytes) -> Logo:
    """A logo file of a theme folder: within the limits and decodable as a whole."""
    logo = validate_logo(data)
    _decoded(logo)
    return logo


def clean_logo(data: bytes) -> Logo:
    """An uploaded logo, decoded and encoded afresh: only pixels survive, no metadata (EXIF,
    GPS, text chunks) and nothing appended after the image (HTML, archives)."""
    logo = validate_logo(data)
    image = _decoded(logo)
    out = io.BytesIO()
    if logo.content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    return validate_logo(out.getvalue())


# ---------------------------------------------------------------------------- theme files

_file_cache: dict[Path, tuple[tuple[int, ...], Theme, Logo | None]] = {}


def _yaml_line(path: Path, *keys: object) -> int:
    """The line of a (nested) key, found in order, so file errors point at the right place."""
    wanted, found = list(keys), 1
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if wanted and line.strip().startswith(f"{wanted[0]}:"):
            wanted.pop(0)
            found = number
    return found


def load_theme_folder(folder: Path) -> tuple[Theme, Logo | None]:
    """Read and validate ``theme.yaml`` (+ logo) of one folder; cached until the file changes."""
    theme_file = folder / "theme.yaml"
    stamp = tuple(
        path.stat().st_mtime_ns
        for path in (theme_file, *(folder / name for name in _LOGO_FILES))
        if path.exists()
    )
    cached = _file_cache.get(folder)
    if cached and cached[0] == stamp:
        return cached[1], cached[2]
    errors: list[SourceError] = []
    try:
        raw = yaml.safe_load(theme_file.read_text(encoding="utf-8")) or {}
        theme = Theme.model_validate(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceErrors(
            [SourceError(theme_file, mark.line + 1 if mark else 1, str(exc))]
        ) from exc
    except ValidationError as exc:
        raise SourceErrors(
            [
                SourceError(
                    theme_file,
                    _yaml_line(theme_file, error["loc"][0]),
                    f"{'.'.join(map(str, error['loc']))}: {error['msg']}",
                )
                for error in exc.errors()
            ]
        ) from exc
    for foreground, problem in contrast_problems(theme):
        errors.append(
            SourceError(theme_file, _yaml_line(theme_file, "colors", foreground), problem)
        )
    logo = None
    for name in _LOGO_FILES:
        if (folder / name).exists():
            try:
                logo = check_logo_file((folder / name).read_bytes())
            except InvalidInput as exc:
                errors.append(SourceError(folder / name, 1, exc.detail))
    if errors:
        raise SourceErrors(errors)
    _file_cache[folder] = (stamp, theme, logo)
    return theme, logo


def theme_folders(settings: Settings) -> list[Path]:
    return sorted(p.parent for p in settings.letterheads_dir.glob("*/theme.yaml"))


def check_theme_files(settings: Settings) -> int:
    """Validate every theme folder at once (CLI and tests); returns how many are fine."""
    errors: list[SourceError] = []
    folders = theme_folders(settings)
    for folder in folders:
        try:
            load_theme_folder(folder)
        except SourceErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise SourceErrors(errors)
    return len(folders)


# ---------------------------------------------------------------------------- resolution


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


def _override_row(session: Session, municipality: Municipality) -> LetterheadOverride:
    override = session.get(LetterheadOverride, municipality.code)
    if override is None:
        override = LetterheadOverride(municipality_code=municipality.code, theme={})
        session.add(override)
    return override


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


def _proposed(
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


def preview_theme(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    changes: ThemeUpdate,
    user: User,
) -> Letterhead:
    """The letterhead as it would look after ``update_theme`` with the same changes."""
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    return _proposed(session, settings, municipality, changes)[0]


def update_theme(
    session: Session,
    settings: Settings,
    municipality: Municipality,
    changes: ThemeUpdate,
    user: User,
    *,
    if_match: str | None = None,
) -> Letterhead:
    """Apply an admin's changes; refused as a whole when the resulting colours fail WCAG AA."""
    require(user, Action.EDIT_LETTERHEAD, municipality.code)
    current = letterhead_for(session, settings, municipality)
    if not current.on_behalf:
        check_version(
            if_match, current.etag, what=f"the letterhead of {municipality.name}", required=False
        )
    proposed, stored = _proposed(session, settings, municipality, changes)
    problems = contrast_problems(proposed.theme)
    if problems:  # refused before any row is added
        raise InsufficientContrast(
            "; ".join(message for _field, message in problems),
            fields=[f"colors.{field}" for field, _message in problems],
        )
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
