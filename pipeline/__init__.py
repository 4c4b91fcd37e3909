"""A content pipeline for handbooks: one checked source, every learning format."""

import functools


@functools.cache
def version() -> str:
    """The installed distribution's version (read on demand: importlib.metadata costs 40 ms to import)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("handbook-pipeline")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
        return "0+unknown"
