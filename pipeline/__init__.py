"""A content pipeline for handbooks: one checked source, every learning format."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("handbook-pipeline")
except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
    __version__ = "0+unknown"
