"""Packaging hook: the wheel also carries the JSON Schemas and the locked SCORM XSDs (pipeline/bundle.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _bundle_module() -> Any:
    """pipeline/bundle.py by its path: stdlib only, so it runs before any dependency is installed."""
    spec = importlib.util.spec_from_file_location("_handbook_bundle", ROOT / "pipeline" / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _say(message: str) -> None:
    print(f"handbook-pipeline: {message}", file=sys.stderr)


class BuildPy(build_py):  # type: ignore[misc]
    """build_py plus pipeline/bundled/ in the build tree; editable installs read schema/ and node_modules/."""

    bundled: list[str]

    def run(self) -> None:
        super().run()
        self.bundled = []
        if getattr(self, "editable_mode", False):
            return
        bundle = _bundle_module()
        try:
            xsds = os.environ.get(bundle.SKIP_ENV, "") != bundle.SKIP
            written = bundle.bundle(ROOT, Path(self.build_lib) / "pipeline", log=_say, xsds=xsds)
        except bundle.BundleError as exc:
            raise SystemExit(f"error: {exc}") from exc
        self.bundled = [str(path) for path in written]

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "bundled", [])]


setup(cmdclass={"build_py": BuildPy})
