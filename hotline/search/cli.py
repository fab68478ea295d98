"""``hotline search ...``: maintenance of the search index."""

import typer

search_app = typer.Typer(help="The search index.", no_args_is_help=True)


@search_app.command("reindex")
def reindex() -> None:
    """Rebuild every running process's index from the database (edits keep it current by
    themselves; this is for an index that went wrong, or new synonyms)."""
    from hotline.runner import unit_of_work
    from hotline.search.indexing import reindex as reindex_everywhere

    with unit_of_work() as session:
        count = reindex_everywhere(session)
    typer.echo(f"indexed {count} documents")
