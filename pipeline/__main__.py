"""`python -m pipeline` runs the `handbook` command."""

from pipeline.cli import run

run()
