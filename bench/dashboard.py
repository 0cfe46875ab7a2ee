"""Render time and query count of the coordinator dashboard at programme scale.

    .venv/bin/python bench/dashboard.py [--renders 25] [--staff 10000]

Builds a temporary SQLite database of 6 regions, 60 municipalities and 300 libraries, then
bulk-inserts the staff (10,000 by default) with 5 track assignments each (50,000), course
enrolments and module progress, webinar registrations and attendance, and reflections. Bulk
inserts with Core pass the app's flush listener by, so the stored track completions are rebuilt
once after the load (``lms.reporting.completions.rebuild``, what ``librarena reports refresh``
does), before anything is timed: the renders measure the pages only. It renders
``/reports/programme`` (a coordinator whose reach is everywhere, so every person counts)
``--renders`` times in-process and prints the median wall time (and the CPU time of the process,
which other load on the machine does not inflate), first with a tenth of the staff, to show the
SQL query count does not grow with the number of people. Each page is measured with the
figures' memo off (every render counts everything afresh: the honest cost) and the plain
coordinator page also with it on (what a coordinator reloading or filtering gets while the data
stays the same). Also the evaluator's (anonymised) page and a CSV and an XLSX export.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

REGIONS, MUNICIPALITIES_PER_REGION, LIBRARIES_PER_MUNICIPALITY = 6, 10, 5
ASSIGNMENTS_PER_PERSON = 5
TRACKS = 8
BATCH = 5_000


def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def build(database_url: str, staff: int) -> dict[str, Any]:
    """Fill an empty database; returns the ids the renders need."""
    from sqlalchemy import select

    import lms.models  # noqa: F401 - every table
    from content.courses.models import (
        Course,
        CourseTranslation,
        CourseVersion,
        Item,
        ItemKind,
        Module,
    )
    from content.progress.models import Enrolment, ItemProgress
    from content.webinars.models import (
        EventSeries,
        EventSession,
        Registration,
        RegistrationStatus,
        SessionKind,
    )
    from lms import create_app
    from lms.assignments.models import (
        Assignment,
        StepKind,
        StepReflection,
        Track,
        TrackStep,
        TrackTranslation,
    )
    from lms.auth.models import Role, RoleAssignment, User
    from lms.db import Base, db
    from lms.orgs.models import Membership, OrgUnit, Phase, Programme, ProgrammeRegion
    from lms.reporting.completions import rebuild

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    rng = random.Random(7)  # noqa: S311 - sample data, not a secret
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        session = db.session

        # The tree: ids are assigned here so paths can be written in the same insert.
        units: list[dict[str, Any]] = []
        libraries: list[int] = []
        regions: list[int] = []
        next_id = 1
        for r in range(REGIONS):
            rid = next_id
            next_id += 1
            regions.append(rid)
            units.append(
                {
                    "id": rid,
                    "kind": "region",
                    "parent_id": None,
                    "name": f"Region {r + 1}",
                    "country": "SE",
                    "path": f"/{rid}/",
                    "created_at": now,
                }
            )
            for m in range(MUNICIPALITIES_PER_REGION):
                mid = next_id
                next_id += 1
                units.append(
                    {
                        "id": mid,
                        "kind": "municipality",
                        "parent_id": rid,
                        "name": f"Kommun {r + 1}.{m + 1}",
                        "country": "SE",
                        "path": f"/{rid}/{mid}/",
                        "created_at": now,
                    }
                )
                for n in range(LIBRARIES_PER_MUNICIPALITY):
                    lid = next_id
                    next_id += 1
                    libraries.append(lid)
                    units.append(
                        {
                            "id": lid,
                            "kind": "library",
                            "parent_id": mid,
                            "name": f"Bibliotek {r + 1}.{m + 1}.{n + 1}",
                            "country": "SE",
                            "path": f"/{rid}/{mid}/{lid}/",
                            "created_at": now,
                        }
                    )
        _insert(session, OrgUnit, units)

        coordinator_id = 1
        evaluator_id = 2
        people = [
            {
                "id": coordinator_id,
                "email": "coordinator@bench.example",
                "name": "Coordinator",
                "is_active": True,
                "session_token": "c" * 20,
                "created_at": now,
            },
            {
                "id": evaluator_id,
                "email": "evaluator@bench.example",
                "name": "Evaluator",
                "is_active": True,
                "session_token": "e" * 20,
                "created_at": now,
            },
        ]
        first_staff = 3
        people += [
            {
                "id": uid,
                "email": f"staff{uid}@bench.example",
                "name": f"Staff {uid}",
                "is_active": True,
                "session_token": f"t{uid:019d}",
                "created_at": now,
            }
            for uid in range(first_staff, first_staff + staff)
        ]
        _insert(session, User, people)
        _insert(
            session,
            RoleAssignment,
            [
                {
                    "user_id": coordinator_id,
                    "role": Role.COORDINATOR.value,
                    "unit_id": None,
                    "created_at": now,
                },
                {
                    "user_id": evaluator_id,
                    "role": Role.EVALUATOR.value,
                    "unit_id": None,
                    "created_at": now,
                },
            ],
        )
        staff_ids = list(range(first_staff, first_staff + staff))
        _insert(
            session,
            Membership,
            [
                {
                    "user_id": uid,
                    "library_id": libraries[i % len(libraries)],
                    "job_title": "librarian",
                    "created_at": now,
                }
                for i, uid in enumerate(staff_ids)
            ],
        )

        programme = Programme(name="Bench programme", description="", created_at=now)
        session.add(programme)
        session.flush()
        _insert(
            session,
            ProgrammeRegion,
            [{"programme_id": programme.id, "region_id": rid} for rid in regions],
        )
        session.add_all(
            [
                Phase(
                    programme_id=programme.id,
                    name="Mobilisation",
                    starts_on=date(2025, 1, 1),
                    ends_on=date(2025, 12, 31),
                    position=0,
                ),
                Phase(
                    programme_id=programme.id,
                    name="Implementation",
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                    position=1,
                ),
            ]
        )

        # Content: six courses of two modules of three items each.
        course_ids, version_ids, module_items = [], [], []
        for c in range(6):
            course = Course(slug=f"bench-{c}", fallback_locale="sv", is_published=True)
            course.translations = [CourseTranslation(locale="sv", title=f"Kurs {c + 1}")]
            session.add(course)
            session.flush()
            modules = []
            for m in range(2):
                module = Module(course_id=course.id, position=m)
                session.add(module)
                session.flush()
                items = [
                    Item(module_id=module.id, kind=ItemKind.LESSON, position=i) for i in range(3)
                ]
                session.add_all(items)
                session.flush()
                modules.append((module.id, [i.id for i in items]))
            version = CourseVersion(course_id=course.id, number=1, snapshot={}, published_at=now)
            session.add(version)
            session.flush()
            course_ids.append(course.id)
            version_ids.append(version.id)
            module_items.append(modules)

        # Events: four series of six sessions, four of them in the past.
        series_ids, past_sessions = [], []
        for s in range(4):
            series = EventSeries(title=f"Webbinarieserie {s + 1}", created_at=now)
            session.add(series)
            session.flush()
            series_ids.append(series.id)
            for n in range(6):
                start = now + timedelta(days=-60 + 14 * n + s)
                ev = EventSession(
                    series_id=series.id,
                    title=f"Del {n + 1}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    timezone="Europe/Stockholm",
                    language="sv",
                    capacity=10_000,
                    kind=SessionKind.ONLINE_LINK,
                    meeting_url="https://meet.example/x",
                )
                session.add(ev)
                session.flush()
                if start < now:
                    past_sessions.append((series.id, ev.id))

        # Tracks: course, module, series and reflection steps.
        track_ids, reflection_steps = [], []
        for t in range(TRACKS):
            track = Track(slug=f"bench-track-{t}", fallback_locale="sv", is_published=True)
            track.translations = [TrackTranslation(locale="sv", title=f"Spår {t + 1}")]
            session.add(track)
            session.flush()
            c = t % len(course_ids)
            steps = [
                TrackStep(
                    track_id=track.id, position=0, kind=StepKind.COURSE, course_id=course_ids[c]
                ),
                TrackStep(
                    track_id=track.id,
                    position=1,
                    kind=StepKind.MODULE,
                    course_id=course_ids[(c + 1) % 6],
                    module_id=module_items[(c + 1) % 6][0][0],
                ),
                TrackStep(
                    track_id=track.id,
                    position=2,
                    kind=StepKind.EVENT_SERIES,
                    series_id=series_ids[t % 4],
                ),
                TrackStep(
                    track_id=track.id,
                    position=3,
                    kind=StepKind.REFLECTION,
                    prompt={"sv": {"title": "Reflektion", "prompt": "Vad lärde du dig?"}},
                    is_required=t % 2 == 0,
                ),
            ]
            session.add_all(steps)
            session.flush()
            track_ids.append(track.id)
            reflection_steps.append(steps[3].id)
        session.commit()

        enrolments, progress, registrations, reflections, assignments = [], [], [], [], []
        enrolment_id = 0
        for uid in staff_ids:
            for c in rng.sample(range(6), 3):
                enrolment_id += 1
                enrolled = now - timedelta(days=rng.randint(1, 600))
                completed = enrolled + timedelta(days=rng.randint(1, 60))
                enrolments.append(
                    {
                        "id": enrolment_id,
                        "user_id": uid,
                        "course_id": course_ids[c],
                        "version_id": version_ids[c],
                        "enrolled_at": enrolled,
                        "completed_at": completed
                        if rng.random() < 0.45 and completed < now
                        else None,
                    }
                )
                _module, item_ids = module_items[c][0]
                for item in item_ids[: rng.randint(0, 3)]:
                    progress.append(
                        {"enrolment_id": enrolment_id, "item_id": item, "completed_at": enrolled}
                    )
            for _series, session_id in rng.sample(past_sessions, 2):
                status = (
                    RegistrationStatus.ATTENDED
                    if rng.random() < 0.6
                    else RegistrationStatus.NO_SHOW
                )
                registrations.append(
                    {
                        "session_id": session_id,
                        "user_id": uid,
                        "status": status.value,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for t in rng.sample(range(TRACKS), ASSIGNMENTS_PER_PERSON):
                assigned = now - timedelta(days=rng.randint(1, 650))
                assignments.append(
                    {
                        "track_id": track_ids[t],
                        "user_id": uid,
                        "due_on": (assigned + timedelta(days=rng.randint(30, 240))).date(),
                        "note": "",
                        "status": "active",
                        "reminders_enabled": True,
                        "assigned_at": assigned,
                    }
                )
                if rng.random() < 0.4:
                    reflections.append(
                        {
                            "step_id": reflection_steps[t],
                            "user_id": uid,
                            "body": "…",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
        _insert(session, Enrolment, enrolments)
        _insert(session, ItemProgress, progress)
        _insert(session, Registration, registrations)
        _insert(session, StepReflection, reflections)
        _insert(session, Assignment, assignments)
        session.commit()
        rebuild(session)  # the bulk inserts above passed the flush listener by
        session.commit()
        session.execute(select(1))
        counts = {
            "staff": staff,
            "assignments": len(assignments),
            "enrolments": len(enrolments),
            "item_progress": len(progress),
            "registrations": len(registrations),
            "reflections": len(reflections),
        }
        return {
            "app": app,
            "counts": counts,
            "programme_id": programme.id,
            "region_id": regions[0],
            "coordinator_id": coordinator_id,
            "evaluator_id": evaluator_id,
        }


def render(
    built: dict[str, Any], url: str, user_id: int, renders: int, *, memo: bool
) -> tuple[list[float], list[float], int]:
    """Render ``url`` ``renders`` times: wall and CPU seconds of each, and the SQL statements of
    one render. ``memo``: with the figures' memo on (every render after the first is served
    from it while the data stays the same), else each render counts everything afresh."""
    from sqlalchemy import event

    from lms.auth.models import User
    from lms.db import db
    from lms.reporting import cache

    app = built["app"]
    app.config["REPORTING_CACHE_SECONDS"] = 60 if memo else 0
    cache.clear()
    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        engine = db.engine
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("q")

    client.get(url)  # warm up: templates compiled, caches filled
    walls, cpus = [], []
    for _ in range(renders):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        wall, cpu = time.perf_counter(), time.process_time()
        resp = client.get(url)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
        event.remove(engine, "before_cursor_execute", count)
        assert resp.status_code == 200, (url, resp.status_code)
    return walls, cpus, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=25)
    parser.add_argument("--staff", type=int, default=10_000)
    args = parser.parse_args()

    results = []
    print(f"load average before: {os.getloadavg()[0]:.1f} (wall times grow with it)")
    for staff in (args.staff // 10, args.staff):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["LIBRARENA_INSTANCE_PATH"] = tmp
            started = time.perf_counter()
            built = build(f"sqlite:///{tmp}/bench.sqlite3", staff)
            took = time.perf_counter() - started
            print(f"built {built['counts']} in {took:.1f} s")
            coordinator, evaluator = built["coordinator_id"], built["evaluator_id"]
            phase = f"/reports/programme?programme={built['programme_id']}&phase=2"
            pages = [
                ("coordinator", "/reports/programme", coordinator, False),
                ("coordinator, memo on", "/reports/programme", coordinator, True),
                ("coordinator, a phase", phase, coordinator, False),
                (
                    "coordinator, one region",
                    f"/reports/programme?unit={built['region_id']}",
                    coordinator,
                    False,
                ),
                ("evaluator", "/reports/evaluation", evaluator, False),
                ("export units.csv", "/reports/programme/units.csv", coordinator, False),
                ("export units.xlsx", "/reports/programme/units.xlsx", coordinator, False),
            ]
            for name, url, uid, memo in pages:
                renders = args.renders if not name.startswith("export") else 5
                walls, cpus, queries = render(built, url, uid, renders, memo=memo)
                results.append((staff, name, walls, queries))
                print(
                    f"{staff:>6} staff  {name:<22} median {statistics.median(walls) * 1000:7.1f} ms"
                    f" (CPU {statistics.median(cpus) * 1000:6.1f} ms)"
                    f"  max {max(walls) * 1000:7.1f} ms  {queries:>3} SQL queries"
                    f"  ({len(walls)} renders)"
                )
            from lms.db import db

            with built["app"].app_context():
                db.engine.dispose()
    by_page: dict[str, dict[int, int]] = {}
    for staff, name, _times, queries in results:
        by_page.setdefault(name, {})[staff] = queries
    for name, counts in by_page.items():
        same = len(set(counts.values())) == 1
        print(f"query count {name:<22} {counts}  {'equal' if same else 'GROWS'}")


if __name__ == "__main__":
    main()
