"""The ``hotline`` command. Each command owns one transaction: all of it lands or none.

Start-up time is the operator's: this module and the domain CLI modules it registers import
only typer at the top; each command imports what it needs when it runs (``hotline --help``
imports no web framework, no database layer, no search; tests/test_cli.py checks it).
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hotline.composer.cli import templates_app
from hotline.knowledge.cli import kb_app
from hotline.runner import fail, load_settings, on_new_sessionmaker, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from hotline.config import Settings

app = typer.Typer(help="hotline: shared out-of-hours contact centre.", no_args_is_help=True)
search_app = typer.Typer(help="The search index.", no_args_is_help=True)
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


@app.command("worker")
def worker_command(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once nothing is due (cron, tests).")
    ] = False,
) -> None:
    """Deliver the outbox (SMTP from HOTLINE_SMTP_URL, else .eml files in var/mail/)."""
    from hotline.housekeeping import HOUSEKEEPING
    from hotline.replies.worker import run_worker_command

    run_worker_command(until_idle=until_idle, housekeeping=HOUSEKEEPING)


def _listen_for_search(
    factory: "sessionmaker[Session]", settings: "Settings"
) -> "sessionmaker[Session]":
    """Edits a command makes (``kb sync``) reach every process's search index through the
    change log that these listeners write in the command's own transaction."""
    from hotline.search.indexing import listen, new_index

    return listen(factory, new_index(settings))


on_new_sessionmaker(_listen_for_search)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: HOTLINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: HOTLINE_PORT")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="App processes; set PROMETHEUS_MULTIPROC_DIR when > 1")
    ] = 1,
) -> None:
    """Serve the API (and console) with uvicorn; logs are JSON lines on stderr."""
    import uvicorn

    from hotline.observability.logs import configure_logging
    from hotline.observability.multiprocess import clear_multiprocess_dir

    settings = load_settings()
    configure_logging(settings.log_level)
    clear_multiprocess_dir()
    uvicorn.run(
        "hotline.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # uvloop and httptools (uvicorn[standard]): faster, and they set TCP_NODELAY on every
        # connection. asyncio does so only for sockets it binds itself; with --workers > 1
        # uvicorn binds the socket (protocol 0), asyncio skipped it, and h11's two writes per
        # response (head, then body) waited on the client's delayed ACK: ~45 ms per keep-alive
        # request (/health 146 req/s with 2 workers against 692 with one).
        loop="uvloop",
        http="httptools",
        # X-Forwarded-For is read by hotline.deps.client_address, from HOTLINE_TRUSTED_PROXIES
        # only; uvicorn's own handling would believe any local process.
        proxy_headers=False,
        log_config=None,  # the app's JSON logging, in every worker process
        access_log=False,  # the app writes its own, without raw paths (HOTLINE_ACCESS_LOG)
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from hotline import migrate

    migrate.upgrade(load_settings(), revision)
    typer.echo(f"database upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' empties the schema)."""
    from hotline import migrate

    migrate.downgrade(load_settings(), revision)
    typer.echo(f"database downgraded to {revision}")


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help="operator, editor, municipality_admin or agent")],
    full_name: Annotated[str | None, typer.Option("--name", help="Default: the email")] = None,
    municipality: Annotated[
        str | None, typer.Option(help="Kommunekode; required for agents and admins")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create an account. The password is read from stdin, never from the command line."""
    from pydantic import ValidationError

    from hotline.auth import service as auth_service
    from hotline.auth.schemas import UserCreate

    if not password_stdin:
        raise fail(
            "Pass --password-stdin and pipe the password in (keeps it out of shell history)."
        )
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        data = UserCreate.model_validate(
            {
                "email": email,
                "full_name": full_name or email,
                "role": role,  # checked here, with the other fields' errors
                "municipality_code": municipality,
                "password": password,
            }
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
    from hotline.auth import service as auth_service
    from hotline.auth.permissions import SystemActor

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
    from hotline.municipalities import service as municipality_service

    source = path or load_settings().knowledge_base_dir / "municipalities.csv"
    with unit_of_work() as session:
        report = municipality_service.sync_municipalities(session, source)
    typer.echo(f"municipalities: {report}")


@municipalities_app.command("import-postcodes")
def municipalities_import_postcodes(path: Path) -> None:
    """Import PostNord's postcode file (UTF-8 with BOM, CRLF, ';'-separated)."""
    from hotline.municipalities import service as municipality_service

    with unit_of_work() as session:
        count = municipality_service.import_postcodes(session, path)
    typer.echo(f"imported {count} postcode/municipality pairs")


@app.command()
def demo() -> None:
    """Create the demo accounts if absent and print them (demo mode only)."""
    from hotline.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo_accounts

    if load_settings().is_production:
        raise fail("Demo accounts are never created in production.")
    with unit_of_work() as session:
        created = seed_demo_accounts(session)
    typer.echo(f"Demo accounts ({len(created)} new), password: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        where = f" ({account.municipality_code})" if account.municipality_code else ""
        typer.echo(f"  {account.role.value:20} {account.email}{where}")


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild every running process's index from the database (edits keep it current by
    themselves; this is for an index that went wrong, or new synonyms)."""
    # Defined here, not in hotline/search/: importing that package loads the search engine.
    from hotline.search.indexing import reindex as reindex_everywhere

    with unit_of_work() as session:
        count = reindex_everywhere(session)
    typer.echo(f"indexed {count} documents")


@meetings_app.command("remind")
def meetings_remind() -> None:
    """Queue the reminders of meetings starting within 24 hours (run every few minutes)."""
    from hotline.meetings.confirmation import queue_due_reminders

    with unit_of_work() as session:
        queued = queue_due_reminders(session, load_settings())
    typer.echo(f"{queued} reminder(s) queued.")
