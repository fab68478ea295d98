"""``hotline worker``: the command line of the outbox worker (hotline/replies/worker.py).

Light on purpose: ``hotline --help`` imports this module, the worker only when it runs.
"""

from typing import Annotated

import typer


def worker_command(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once nothing is due (cron, tests).")
    ] = False,
) -> None:
    """Deliver the outbox (SMTP from HOTLINE_SMTP_URL, else .eml files in var/mail/)."""
    from hotline.replies.worker import run_worker_command

    run_worker_command(until_idle=until_idle)
