"""The benchmark scripts still run against the app as it is now.

The scripts in ``bench/`` call into the app (its services, its CLI, its pages), and nothing
else ran them between benchmark sessions: a change of signature once broke
``bench/xapi_queries.py`` unnoticed. Each script runs here once at a toy size, in a process of
its own as a user would run it, and must print a row of figures. The figures themselves are not
checked: speed is measured by running the scripts, not in tests. ``make lint`` type-checks the
scripts too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"\d[\d,.]*"
STORED = r"[1-9][\d,.]*"  # a rate above zero: the LRS stored what was sent

SCRIPTS = {
    # script, arguments, a line the output must have
    "xapi_queries": (["200"], rf"^\s+200\s+{NUMBER}(\s+{NUMBER} ms){{6}}\s+{NUMBER} MB$"),
    "xapi_throughput": (
        ["--seconds", "1", "--concurrency", "2", "--generator", "python"],
        rf"^librarena\s+{STORED}\s+{STORED}$",
    ),
    "dashboard": (
        ["--staff", "60", "--renders", "1"],
        rf"^\s+60 staff\s+coordinator\s+median\s+{NUMBER} ms .* {NUMBER} SQL queries",
    ),
    "gaps": (["--staff", "60", "--runs", "2"], rf"^region heatmap page: median {NUMBER} ms"),
    "track_progress": (
        ["--staff", "60", "--repeats", "1"],
        rf"60 staff,\s+300 assignments: progress_for median {NUMBER} ms, {NUMBER} SQL",
    ),
    "course_pages": (
        ["--requests", "8", "--concurrency", "2", "--workers", "1"],
        rf"^/courses\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$",
    ),
    "pages": (
        ["--requests", "8", "--concurrency", "2", "--workers", "1"],
        rf"^/team\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$",
    ),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_bench_script_runs(name: str) -> None:
    args, expected = SCRIPTS[name]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARENA_")}
    done = subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(expected, done.stdout, re.MULTILINE), done.stdout
