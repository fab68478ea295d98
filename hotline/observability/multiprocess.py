"""Several processes, one set of metrics: prometheus-client's multi-process directory.

Kept apart from ``metrics``: importing that module creates this process's files in the
directory, and ``hotline serve`` must empty it before any process (itself included) writes.
"""

import os

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def clear_multiprocess_dir() -> None:
    """Empty the directory before the processes start: old files would be counted again."""
    directory = multiprocess_dir()
    if directory and os.path.isdir(directory):
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
