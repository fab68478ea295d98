"""Optimistic concurrency: a writer names the version it read; a stale one changes nothing.

A version is an opaque string (the API sends it as an ETag, the console as a hidden field). The
services check it; the front ends only carry it.
"""

from hotline.errors import PreconditionFailed, PreconditionRequired


def revision_version(revision: int) -> str:
    """The version of a row that counts its own revisions (sent as the ETag ``"3"``)."""
    return f'"{revision}"'


def offered_version(header: str, current: str) -> bool:
    """Whether an If-Match / If-None-Match value names ``current`` (or ``*``); a weak tag
    (``W/"3"``) counts as its strong twin."""
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in offered or current in offered


def check_version(
    expected: str | None, current: str, *, what: str = "this", required: bool = True
) -> None:
    """412 when ``expected`` is stale; 428 when none was given and one is ``required``.

    ``expected`` may list several versions separated by commas (or ``*``), as If-Match does.
    """
    if expected is None:
        if required:
            raise PreconditionRequired(
                f"Send If-Match with the ETag from your last read of {what}.",
                headers={"ETag": current},
            )
        return
    if not offered_version(expected, current):
        raise PreconditionFailed(
            f"Someone changed {what} since you read it; nothing was overwritten. "
            "Read it again and re-apply your change.",
            headers={"ETag": current},
        )
