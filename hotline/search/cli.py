"""``hotline search ...``: maintenance of the search index."""

import typer

search_app = typer.Typer(help="The search index.", no_args_is_help=True)


@search_app.command("reindex")
def reindex() -> None:
    """Rebuild the whole index from the knowledge base (edits keep it current by themselves)."""
    from hotline.runner import unit_of_work
    from hotline.search.indexing import reindex_all

    with unit_of_work() as session:
        count = reindex_all(session)
    typer.echo(f"indexed {count} documents")
