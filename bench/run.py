"""Every benchmark in one go (`make bench`): the core, a page run's steps, check, HTML + JSON, PDF, packages.

Each prints its own table.
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import ROOT

BENCHES = (
    "bench.core_bench",
    "bench.page_costs",
    "bench.check_bench",
    "bench.html_bench",
    "bench.pdf_bench",
    "bench.package_bench",
)


def main() -> None:
    failed = []
    for module in BENCHES:
        print(f"\n== {module} ==", flush=True)
        if subprocess.run([sys.executable, "-m", module], cwd=ROOT).returncode != 0:
            failed.append(module)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
