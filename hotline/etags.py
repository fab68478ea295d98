"""Optimistic concurrency over HTTP: ETags out, If-Match in (the services check the version),
and conditional reads: If-None-Match answered with 304."""

from typing import Annotated

from fastapi import Header

from hotline.kit.versions import check_version, offered_version

IfMatch = Annotated[
    str | None, Header(description="The ETag from your last read; a stale one answers 412.")
]

# The API checks through the same function as the services (kept under its HTTP name).
check_if_match = check_version

IfNoneMatch = Annotated[
    str | None,
    Header(description="The ETag of the copy you hold; if it is still current: 304, no body."),
]


def not_modified(if_none_match: str | None, current: str) -> bool:
    """The client's copy is current (RFC 9110 13.1.2: weak comparison)."""
    return if_none_match is not None and offered_version(if_none_match, current)
