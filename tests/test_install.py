"""Reproducible installs: one uv version pinned alike by the Makefile, the image and uv.lock."""

import re
import tomllib

from tests.conftest import PROJECT_ROOT


def locked_version(package: str) -> str:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    return next(entry["version"] for entry in lock["package"] if entry["name"] == package)


def test_makefile_and_image_install_the_uv_that_the_lock_pins() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    pinned_by_make = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    pinned_by_image = re.search(r'pip install "uv==([^"]+)"', dockerfile)
    assert pinned_by_make and pinned_by_image
    assert pinned_by_make[1] == pinned_by_image[1] == locked_version("uv")


def test_every_install_goes_through_the_lock() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "$(UV) sync --locked" in makefile
    assert "uv sync --locked" in dockerfile
    assert "pip install --editable" not in makefile + dockerfile
