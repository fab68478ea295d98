"""Optimistic concurrency over HTTP: ETags out, If-Match in. The services check the version."""

from typing import Annotated

from fastapi import Header

from hotline.kit.versions import check_version

IfMatch = Annotated[
    str | None, Header(description="The ETag from your last read; a stale one answers 412.")
]

# The API checks through the same function as the services (kept under its HTTP name).
check_if_match = check_version
