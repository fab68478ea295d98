"""Optimistic concurrency: ETags out, If-Match in; two people editing at once lose nothing."""

from typing import Annotated

from fastapi import Header

from hotline.errors import PreconditionFailed, PreconditionRequired

IfMatch = Annotated[
    str | None, Header(description="The ETag from your last read; a stale one answers 412.")
]


def check_if_match(
    if_match: str | None, current: str, *, what: str = "this", required: bool = True
) -> None:
    """412 when the client's ETag is stale; 428 when it sent none and one is ``required``."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                f"Send If-Match with the ETag from your last read of {what}.",
                headers={"ETag": current},
            )
        return
    offered = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in offered and current not in offered:
        raise PreconditionFailed(
            f"Someone changed {what} since you read it; nothing was overwritten. "
            "Read it again and re-apply your change.",
            headers={"ETag": current},
        )
