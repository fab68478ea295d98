"""``hotline kb``: load the knowledge_base/ folder into the database and write it back."""

from pathlib import Path
from typing import Annotated

import typer

from hotline.knowledge.files import export_folder, sync_folder

kb_app = typer.Typer(
    help="The knowledge base folder: sync it in, export it out.", no_args_is_help=True
)


@kb_app.command("sync")
def kb_sync(
    path: Annotated[
        Path | None, typer.Argument(help="Default: HOTLINE_KNOWLEDGE_BASE_DIR (knowledge_base/)")
    ] = None,
) -> None:
    """Make the database match the folder (municipalities.csv first); re-running changes nothing."""
    # Imported here: hotline.cli imports this module to register the sub-app.
    from hotline.cli import load_settings, unit_of_work

    source = path or load_settings().knowledge_base_dir
    with unit_of_work() as session:
        report = sync_folder(session, source)
    for line in report.lines():
        typer.echo(line)
    typer.echo(f"{report.changes} change(s)")


@kb_app.command("export")
def kb_export(path: Path) -> None:
    """Write the knowledge base into PATH (new or empty) in the knowledge_base/ format."""
    from hotline.cli import unit_of_work

    with unit_of_work() as session:
        count = export_folder(session, path)
    typer.echo(f"wrote {count} files to {path}")
