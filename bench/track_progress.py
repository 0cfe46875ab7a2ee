"""Time and query count of ``lms.assignments.services.progress_for`` at programme scale.

    .venv/bin/python bench/track_progress.py [--staff 10000] [--repeats 5]

Builds the same database as ``bench/dashboard.py`` (6 regions, 300 libraries, ``--staff`` people
with 5 track assignments each, their enrolments, module progress, webinar attendance and
reflections), then derives the progress of every active assignment in one call, ``--repeats``
times, and prints the median time and the number of SQL statements; then the same for a tenth
of the staff, to show that the query count does not grow with the number of people.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))


def measure(staff: int, repeats: int) -> tuple[float, int, int, dict[str, int]]:
    from flask import Flask
    from sqlalchemy import event, select

    from bench.dashboard import build
    from lms import create_app
    from lms.assignments import services
    from lms.assignments.models import Assignment, AssignmentStatus
    from lms.db import db

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        build(url, staff)
        app: Flask = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            session = db.session
            rows = list(
                session.scalars(
                    select(Assignment).where(Assignment.status == AssignmentStatus.ACTIVE)
                )
            )
            statements: list[Any] = []

            def count(*_args: Any, **_kwargs: Any) -> None:
                statements.append(1)

            times = []
            for _ in range(repeats):
                statements.clear()
                event.listen(db.engine, "before_cursor_execute", count)
                start = time.perf_counter()
                result = services.progress_for(session, rows)
                times.append(time.perf_counter() - start)
                event.remove(db.engine, "before_cursor_execute", count)
            states: dict[str, int] = {}
            for p in result.values():
                states[p.state.value] = states.get(p.state.value, 0) + 1
            db.engine.dispose()
            return statistics.median(times), len(statements), len(rows), states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for staff in (args.staff, max(1, args.staff // 10)):
        median, queries, count, states = measure(staff, args.repeats)
        print(
            f"{staff:>6} staff, {count:>6} assignments: progress_for median {median * 1000:.0f} ms,"
            f" {queries} SQL statements; {states}"
        )


if __name__ == "__main__":
    main()
