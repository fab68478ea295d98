"""Settings: one class, HOTLINE_ environment variables, safe defaults."""

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from hotline.config import Settings


def test_defaults_are_the_embedded_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOTLINE_DATABASE_URL", "HOTLINE_ENVIRONMENT", "HOTLINE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./var/hotline.db"
    assert not settings.is_production
    assert settings.mail_dir == Path("var") / "mail"


def test_environment_variables_use_the_hotline_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql://hotline@db:5432/hotline")
    monkeypatch.setenv("HOTLINE_PORT", "9000")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://hotline@db:5432/hotline"
    assert settings.port == 9000


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_SECRET_KEY", raising=False)
    monkeypatch.setenv("HOTLINE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="HOTLINE_SECRET_KEY must be set"):
        Settings()


def test_demo_secret_is_generated_once_into_var(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path, secret_key=None).signing_key
    second = Settings(var_dir=tmp_path, secret_key=None).signing_key
    assert first == second and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert Settings(var_dir=tmp_path / "other", secret_key=None).signing_key != first
