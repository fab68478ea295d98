"""The `hotline` command as an operator types it."""

import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.auth.models import User
from hotline.auth.service import verify_password
from hotline.cli import app
from hotline.config import Settings

runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("HOTLINE_ENVIRONMENT", raising=False)
    return settings


def test_every_command_explains_itself() -> None:
    for command in (
        [],
        ["serve"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["users", "create"],
        ["users", "list"],
        ["municipalities", "sync"],
        ["municipalities", "import-postcodes"],
        ["demo"],
        ["kb", "sync"],
        ["kb", "export"],
        ["search", "reindex"],
        ["worker"],
        ["reply-templates", "seed"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_serve_runs_every_worker_on_uvloop_and_httptools(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both set TCP_NODELAY on each connection. asyncio skips it on the socket uvicorn binds
    for several workers, and every keep-alive response then waited ~45 ms for the client's
    delayed ACK (benchmarks/README.md, "Requests")."""
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **options: calls.append(options))
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert [(c["workers"], c["loop"], c["http"]) for c in calls] == [(2, "uvloop", "httptools")]


def test_create_user_reads_the_password_from_stdin(
    cli_env: Settings, municipalities, session: Session
) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "Mette@Odense.dk", "--role", "agent", "--municipality", "461",
         "--name", "Mette Hansen", "--password-stdin"],
        input="correct horse battery staple\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = session.scalars(select(User).where(User.email == "mette@odense.dk")).one()
    assert (user.role, user.municipality_code) == ("agent", "0461")
    assert verify_password(user.password_hash, "correct horse battery staple")

    listed = runner.invoke(app, ["users", "list"])
    assert "mette@odense.dk" in listed.output and "0461" in listed.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "agent"], "must belong to a municipality"),
        (["--role", "editor", "--municipality", "0751"], "does not belong to a municipality"),
        (["--role", "agent", "--municipality", "9999"], "No municipality has the code 9999"),
    ],
)
def test_create_user_refuses_bad_input_clearly(
    cli_env: Settings, municipalities, arguments: list[str], message: str
) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "x@hotline.example", *arguments, "--password-stdin"],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 1
    assert message in result.output


def test_create_user_without_stdin_flag_refuses(cli_env: Settings) -> None:
    result = runner.invoke(app, ["users", "create", "x@hotline.example", "--role", "editor"])
    assert result.exit_code == 1
    assert "--password-stdin" in result.output


def test_demo_is_idempotent_and_refused_in_production(
    cli_env: Settings, municipalities, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = runner.invoke(app, ["demo"])
    second = runner.invoke(app, ["demo"])
    assert "7 new" in first.output and "0 new" in second.output
    assert "agent.aarhus@hotline.example (0751)" in first.output

    monkeypatch.setenv("HOTLINE_ENVIRONMENT", "production")
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "s" * 48)
    refused = runner.invoke(app, ["demo"])
    assert refused.exit_code == 1
    assert "never created in production" in refused.output


def test_municipality_file_errors_are_printed_with_location(cli_env: Settings, tmp_path) -> None:
    broken = tmp_path / "municipalities.csv"
    broken.write_text("code,name\n", encoding="utf-8")
    result = runner.invoke(app, ["municipalities", "sync", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:1: missing columns" in result.output
    assert "nothing was changed" in result.output


def test_shipped_reply_templates_are_seeded_once(cli_env: Settings) -> None:
    first = runner.invoke(app, ["reply-templates", "seed"])
    second = runner.invoke(app, ["reply-templates", "seed"])
    assert first.exit_code == 0, first.output
    assert "0 unchanged" in first.output and "0 created" in second.output


def test_help_starts_without_the_web_framework_the_database_layer_or_search() -> None:
    """`hotline --help` loads only the CLI; each command imports what it needs when it runs."""
    probe = (
        "import sys\n"
        "from hotline.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', *sorted(sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Usage:" in result.stdout and "worker" in result.stdout
    loaded = set(result.stdout.split("MODULES", 1)[1].split())
    heavy = {
        "fastapi",
        "uvicorn",
        "sqlalchemy",
        "hotline.app",
        "hotline.console",
        "hotline.search",
        "hotline.replies.worker",
        "hotline.knowledge.files",
        "prometheus_client",
    }
    assert "hotline.cli" in loaded
    imported = sorted(m for m in loaded if m in heavy or m.rsplit(".", 1)[0] in heavy)
    assert imported == []
