"""scormhost's own FastAPI app for tests/lms, its state in ``HANDBOOK_SCORMHOST_STATE``.

Run by uvicorn as a factory (``uvicorn --factory tests.lms.scormhost_app:app``): on start, scormhost
migrates its SQLite database (accounts) with its Alembic scripts; packages and the learners' CMI data
are files under the same folder.
"""

from __future__ import annotations

import os
from typing import Any

from scormhost.app import create_scorm_app

TITLE = "Handbook LMS test"


def app() -> Any:
    return create_scorm_app(
        data_dir=os.environ["HANDBOOK_SCORMHOST_STATE"],
        title=TITLE,
        secret_key="handbook-tests-loopback-only-secret-key",
        allow_registration=True,  # the first account is its admin: the editor who uploads
    )
