"""``hotline kb``: load the knowledge_base/ folder into the database and write it back."""

from pathlib import Path
from typing import Annotated

import typer

from hotline.runner import load_settings, unit_of_work

kb_app = typer.Typer(
    help="The knowledge base folder: sync it in, export it out.", no_args_is_help=True
)


@kb_app.command("sync")
def kb_sync(
    path: Annotated[
        Path | None, typer.Argument(help="Default: HOTLINE_KNOWLEDGE_BASE_DIR (knowledge_base/)")
    ] = None,
    overwrite_edits: Annotated[
        bool,
        typer.Option(
            "--overwrite-edits",
            help="Let the folder win over changes made in hotline since the last sync "
            "(default: keep those and list them).",
        ),
    ] = False,
) -> None:
    """Make the database match the folder (municipalities.csv first); re-running changes nothing.

    Changes made in hotline (API, console) since the last sync are kept, not overwritten.
    """
    # Imported here: `hotline --help` imports this module and should not load the knowledge
    # base code.
    from hotline.knowledge.files import sync_folder

    source = path or load_settings().knowledge_base_dir
    with unit_of_work() as session:
        report = sync_folder(session, source, overwrite_edits=overwrite_edits)
    for line in report.lines():
        typer.echo(line)
    if report.kept:
        typer.echo(
            f"kept {len(report.kept)} item(s) changed in hotline since the last sync "
            "(export to take them into the folder, or sync with --overwrite-edits):"
        )
        for kept in report.kept:
            typer.echo(f"  {kept}")
    typer.echo(f"{report.changes} change(s)")


@kb_app.command("export")
def kb_export(path: Path) -> None:
    """Write the knowledge base into PATH (new or empty) in the knowledge_base/ format."""
    from hotline.knowledge.files import export_folder

    with unit_of_work() as session:
        count = export_folder(session, path)
    typer.echo(f"wrote {count} files to {path}")
