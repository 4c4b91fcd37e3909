"""A content pipeline for handbooks: one checked source, every learning format."""

__version__ = "0.1.0"
