"""The shipped theme files and the rules every letterhead must meet."""

import shutil
from pathlib import Path

import pytest

from hotline.config import Settings
from hotline.letterheads.service import (
    InvalidLogo,
    check_theme_files,
    contrast_ratio,
    load_theme_folder,
    validate_logo,
)
from hotline.sync import SourceErrors
from tests.letterheads.images import SVG, jpeg, png

SHIPPED_MUNICIPALITIES = ["0751", "0101", "0461", "0851", "0563", "0741"]


def test_every_shipped_theme_is_valid_meets_wcag_aa_and_has_a_valid_logo_file() -> None:
    settings = Settings(secret_key="x" * 32)
    assert check_theme_files(settings) >= len(SHIPPED_MUNICIPALITIES) + 2  # + default, hotline
    for code in [*SHIPPED_MUNICIPALITIES, "hotline"]:
        theme, logo = load_theme_folder(settings.letterheads_dir / code)
        assert logo is not None and logo.content_type == "image/png", code
        assert theme.address_lines and theme.signature_lines and theme.footer, code


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # just passes


def test_logos_are_recognised_by_their_bytes_and_their_size_is_read() -> None:
    logo = validate_logo(png(480, 120))
    assert (logo.content_type, logo.width, logo.height) == ("image/png", 480, 120)
    assert logo.display_size == (240, 60)
    photo = validate_logo(jpeg(200, 50))
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 200, 50)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SVG, id="svg"),
        pytest.param(b"GIF89a" + b"\x00" * 20, id="gif"),
        pytest.param(png(601, 100), id="too-wide"),
        pytest.param(png(300, 201), id="too-high"),
        pytest.param(png(600, 200) + b"\x00" * 210_000, id="too-many-bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="truncated-png"),
    ],
)
def test_logos_that_break_the_rules_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidLogo):
        validate_logo(data)


def test_a_broken_theme_file_is_reported_with_file_and_line(tmp_path: Path) -> None:
    source = Settings(secret_key="x" * 32).letterheads_dir / "0751"
    folder = tmp_path / "0751"
    shutil.copytree(source, folder)
    text = (folder / "theme.yaml").read_text(encoding="utf-8")
    (folder / "theme.yaml").write_text(
        text.replace('on_primary: "#ffffff"', 'on_primary: "#004080"'), encoding="utf-8"
    )
    (folder / "logo.png").write_bytes(SVG)
    with pytest.raises(SourceErrors) as caught:
        load_theme_folder(folder)
    messages = [str(error) for error in caught.value.errors]
    assert any("theme.yaml:5:" in m and "on_primary on primary" in m for m in messages), messages
    assert any("logo.png:1:" in m and "PNG or JPEG" in m for m in messages), messages
