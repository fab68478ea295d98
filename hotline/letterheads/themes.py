"""Theme folders (``templates/letterheads/<code>/theme.yaml`` and a logo file): read, checked
with the same rules as an admin's changes, and cached until a file changes."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from hotline.config import Settings
from hotline.errors import InvalidInput
from hotline.letterheads.contrast import contrast_problems
from hotline.letterheads.logos import LOGO_FILES, Logo, check_logo_file
from hotline.letterheads.schemas import Theme
from hotline.sync import SourceError, SourceErrors

DEFAULT_THEME = "default"
HOTLINE_THEME = "hotline"

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
        for path in (theme_file, *(folder / name for name in LOGO_FILES))
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
    for problem in contrast_problems(theme):
        line = _yaml_line(theme_file, "colors", problem.field) if problem.field else 1
        errors.append(SourceError(theme_file, line, problem.message))
    logo = None
    for name in LOGO_FILES:
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
