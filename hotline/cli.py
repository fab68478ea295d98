"""The ``hotline`` command. Each command owns one transaction: all of it lands or none."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.auth import service as auth_service
from hotline.auth.permissions import Role, SystemActor
from hotline.auth.schemas import UserCreate
from hotline.composer.cli import templates_app
from hotline.config import Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo_accounts
from hotline.errors import Problem
from hotline.knowledge.cli import kb_app
from hotline.municipalities import service as municipality_service
from hotline.replies.worker import worker_command
from hotline.search.cli import search_app
from hotline.sync import SourceErrors

app = typer.Typer(help="hotline: shared out-of-hours contact centre.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(
    help="Accounts of agents, admins, editors and operators.", no_args_is_help=True
)
municipalities_app = typer.Typer(help="Municipalities and postcodes.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(municipalities_app, name="municipalities")
app.add_typer(kb_app, name="kb")
app.add_typer(templates_app, name="reply-templates")
app.add_typer(search_app, name="search")
meetings_app = typer.Typer(help="Booked meetings.", no_args_is_help=True)
app.add_typer(meetings_app, name="meetings")
app.command("worker")(worker_command)


def fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise fail(f"Configuration error:\n{exc}") from exc


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for the command; file and input errors are printed, never half-applied."""
    engine = make_engine(load_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    except SourceErrors as exc:
        for error in exc.errors:
            typer.secho(str(error), err=True, fg=typer.colors.RED)
        raise fail(f"{len(exc.errors)} error(s); nothing was changed.") from exc
    except Problem as exc:
        raise fail(f"{exc.title}: {exc.detail}") from exc
    finally:
        engine.dispose()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: HOTLINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: HOTLINE_PORT")] = None,
) -> None:
    """Serve the API (and console) with uvicorn."""
    settings = load_settings()
    uvicorn.run(
        "hotline.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        proxy_headers=True,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(load_settings(), revision)
    typer.echo(f"database upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' empties the schema)."""
    migrate.downgrade(load_settings(), revision)
    typer.echo(f"database downgraded to {revision}")


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[Role, typer.Option(help="operator, editor, municipality_admin or agent")],
    full_name: Annotated[str | None, typer.Option("--name", help="Default: the email")] = None,
    municipality: Annotated[
        str | None, typer.Option(help="Kommunekode; required for agents and admins")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create an account. The password is read from stdin, never from the command line."""
    if not password_stdin:
        raise fail(
            "Pass --password-stdin and pipe the password in (keeps it out of shell history)."
        )
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        data = UserCreate(
            email=email,
            full_name=full_name or email,
            role=role,
            municipality_code=municipality,
            password=password,
        )
    except ValidationError as exc:
        messages = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(messages) from exc
    with unit_of_work() as session:
        user = auth_service.create_user(session, data)
        typer.echo(f"created {user.email} ({user.role})")


@users_app.command("list")
def users_list() -> None:
    """List every account with role and municipality."""
    with unit_of_work() as session:
        for user in auth_service.list_users(session, SystemActor()):
            state = "" if user.active else "  (inactive)"
            typer.echo(f"{user.email:40} {user.role:20} {user.municipality_code or '-':6}{state}")


@municipalities_app.command("sync")
def municipalities_sync(
    path: Annotated[
        Path | None, typer.Argument(help="Default: knowledge_base/municipalities.csv")
    ] = None,
) -> None:
    """Load the municipalities file; re-running changes nothing."""
    source = path or load_settings().knowledge_base_dir / "municipalities.csv"
    with unit_of_work() as session:
        report = municipality_service.sync_municipalities(session, source)
    typer.echo(f"municipalities: {report}")


@municipalities_app.command("import-postcodes")
def municipalities_import_postcodes(path: Path) -> None:
    """Import PostNord's postcode file (UTF-8 with BOM, CRLF, ';'-separated)."""
    with unit_of_work() as session:
        count = municipality_service.import_postcodes(session, path)
    typer.echo(f"imported {count} postcode/municipality pairs")


@app.command()
def demo() -> None:
    """Create the demo accounts if absent and print them (demo mode only)."""
    if load_settings().is_production:
        raise fail("Demo accounts are never created in production.")
    with unit_of_work() as session:
        created = seed_demo_accounts(session)
    typer.echo(f"Demo accounts ({len(created)} new), password: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        where = f" ({account.municipality_code})" if account.municipality_code else ""
        typer.echo(f"  {account.role.value:20} {account.email}{where}")


@meetings_app.command("remind")
def meetings_remind() -> None:
    """Queue the reminders of meetings starting within 24 hours (run every few minutes)."""
    from hotline.meetings.confirmation import queue_due_reminders

    with unit_of_work() as session:
        queued = queue_due_reminders(session, load_settings())
    typer.echo(f"{queued} reminder(s) queued.")
