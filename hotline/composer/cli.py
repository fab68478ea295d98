"""``hotline reply-templates``: the shipped shared reply templates."""

from pathlib import Path
from typing import Annotated

import typer

from hotline.runner import unit_of_work

templates_app = typer.Typer(help="Reply templates agents start their answers from.")


@templates_app.command("seed")
def templates_seed(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The shared templates file [default: templates/reply_templates/shared.yaml]"
        ),
    ] = None,
) -> None:
    """Add the shipped shared templates that are missing; editors' changes are kept."""
    # Imported here: `hotline --help` imports this module and should not load the composer.
    from hotline.composer.service import SHARED_TEMPLATES_FILE, seed_shared_templates

    with unit_of_work() as session:
        report = seed_shared_templates(session, path or SHARED_TEMPLATES_FILE)
    typer.echo(f"shared reply templates: {report}")
