"""Latency of the content server's pages with 200 courses, 5,000 learners and 100,000 progress rows.

    .venv/bin/python bench/course_pages.py [--requests 1000] [--concurrency 4] [--workers 2]

Builds a temporary SQLite database: migrations, the demo (with the pilot courses), then 198 more
published courses cloned from the pilot ones, 5,000 learners with enrolments and 100,000
item-progress rows, bulk-inserted. Serves it with gunicorn on 127.0.0.1 (a free port), signs in
as the demo learner (enrolled, half-way through) and measures the catalogue, a course page and a
lesson. Only loopback traffic; it stops by itself.
"""

from __future__ import annotations

import argparse
import copy
import http.cookiejar
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from pages import free_port, measure  # the shared helpers of bench/pages.py

BIN = Path(sys.executable).parent
COURSES, LEARNERS, PROGRESS_ROWS = 200, 5_000, 100_000
LEARNER_EMAIL = "learner@demo.librarena.example"


def seed(database_url: str, instance: str) -> dict[str, Any]:
    """Bulk-insert the courses, learners, enrolments and progress; return the pages' ids."""
    os.environ["LIBRARENA_INSTANCE_PATH"] = instance
    from sqlalchemy import func, insert, select, update

    from content.courses.models import Course, CourseTranslation, CourseVersion, ItemKind
    from content.courses.snapshot import Snapshot, catalogue_fields
    from content.progress.models import Enrolment, ItemProgress
    from lms import create_app
    from lms.auth.models import User
    from lms.db import db, utcnow

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    rng = random.Random(3)  # noqa: S311 - sample data, not a secret
    with app.app_context():
        session = db.session
        pilots = list(session.scalars(select(CourseVersion).order_by(CourseVersion.id)))
        assert pilots, "the demo loaded no courses"
        now = utcnow()
        existing = session.scalar(select(func.count(Course.id))) or 0
        for n in range(COURSES - existing):
            source = pilots[n % len(pilots)]
            data = copy.deepcopy(source.snapshot)
            slug = f"{data['course']['slug']}-{n + 1}"
            data["course"].update(slug=slug, estimated_minutes=30 + (n % 8) * 30)
            for t in data["course"]["translations"].values():
                t["title"] = f"{t['title']} ({n + 1})"
            course_id = session.execute(
                insert(Course).returning(Course.id),
                [
                    {
                        "slug": slug,
                        "fallback_locale": data["course"]["fallback_locale"],
                        "topic": data["course"]["topic"],
                        "estimated_minutes": 30 + (n % 8) * 30,
                        "is_published": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            ).scalar_one()
            session.execute(
                insert(CourseTranslation),
                [
                    {
                        "course_id": course_id,
                        "locale": loc,
                        "title": t["title"],
                        "summary": t["summary"],
                        "description_html": t["description_html"],
                        "description_source": "",
                        "description_format": "html",
                    }
                    for loc, t in data["course"]["translations"].items()
                ],
            )
            data["course"].update(id=course_id)
            session.execute(
                update(Course).where(Course.id == course_id).values(**catalogue_fields(data))
            )
            session.execute(
                insert(CourseVersion),
                [
                    {
                        "course_id": course_id,
                        "number": 1,
                        "snapshot": data,
                        "published_at": now,
                    }
                ],
            )
        session.commit()

        users = [
            {
                "email": f"bench.learner{n}@demo.librarena.example",
                "name": f"Bench Learner {n}",
                "session_token": f"bench-{n}",
                "is_active": True,
                "created_at": now,
            }
            for n in range(LEARNERS)
        ]
        session.execute(insert(User), users)
        user_ids = list(session.scalars(select(User.id).where(User.email.like("bench.learner%"))))
        versions = list(
            session.execute(
                select(CourseVersion.id, CourseVersion.course_id, CourseVersion.snapshot)
            )
        )
        item_ids = {vid: [i.id for i in Snapshot(snap, "en").items] for vid, _cid, snap in versions}
        enrolments = []
        for user_id in user_ids:
            for vid, cid, _snap in rng.sample(versions, 3):
                enrolments.append(
                    {"user_id": user_id, "course_id": cid, "version_id": vid, "enrolled_at": now}
                )
        session.execute(insert(Enrolment), enrolments)
        # Only the bench's own learners: the demo's staff already have progress of their own.
        rows = list(
            session.execute(
                select(Enrolment.id, Enrolment.version_id)
                .join(User, User.id == Enrolment.user_id)
                .where(User.email.like("bench.learner%"))
            )
        )
        progress: list[dict[str, Any]] = []
        for enrolment_id, vid in rows:
            if len(progress) >= PROGRESS_ROWS:
                break
            for item_id in item_ids[vid][: rng.randint(4, 10)]:
                progress.append(
                    {"enrolment_id": enrolment_id, "item_id": item_id, "completed_at": now}
                )
        session.execute(insert(ItemProgress), progress[:PROGRESS_ROWS])

        # The demo learner: enrolled in the pilot course, half-way through.
        learner = session.scalars(select(User).where(User.email == LEARNER_EMAIL)).one()
        pilot = session.scalars(select(Course).where(Course.slug == "digital-mediation")).one()
        version = session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == pilot.id)
            .order_by(CourseVersion.number.desc())
            .limit(1)
        ).one()
        view = Snapshot(version.snapshot, "sv")
        enrolment_id = session.execute(
            insert(Enrolment).returning(Enrolment.id),
            [
                {
                    "user_id": learner.id,
                    "course_id": pilot.id,
                    "version_id": version.id,
                    "enrolled_at": now,
                }
            ],
        ).scalar_one()
        session.execute(
            insert(ItemProgress),
            [
                {"enrolment_id": enrolment_id, "item_id": i.id, "completed_at": now}
                for i in view.items[: len(view.items) // 2]
            ],
        )
        session.commit()
        counts = {
            "courses": session.scalar(select(func.count(Course.id))),
            "users": session.scalar(select(func.count(User.id))),
            "enrolments": session.scalar(select(func.count(Enrolment.id))),
            "progress": session.scalar(select(func.count(ItemProgress.id))),
        }
        lesson = next(i for i in view.items if i.kind is ItemKind.LESSON)
        db.engine.dispose()
    return {"counts": counts, "slug": "digital-mediation", "lesson": lesson.id}


def signed_in_opener(base: str, email: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": "librarena-demo"}
    ).encode()
    opener.open(f"{base}/login", data=body)
    return opener


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        env = {
            **os.environ,
            "LIBRARENA_INSTANCE_PATH": tmp,
            "LIBRARENA_DATABASE_URL": url,
            "LIBRARENA_LOGIN_RATE_LIMIT": "1000 per minute",
        }
        for command in ("db upgrade", "demo"):
            subprocess.run(
                [BIN / "librarena", *command.split()], env=env, check=True, capture_output=True
            )
        started = time.perf_counter()
        ids = seed(url, tmp)
        print(f"seeded in {time.perf_counter() - started:.0f} s: {ids['counts']}")
        port = free_port()
        server = subprocess.Popen(
            [
                BIN / "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "wsgi:app",
            ],
            env=env,
            cwd=Path(__file__).parents[1],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        pages = [
            "/courses",
            f"/courses/{ids['slug']}",
            f"/courses/{ids['slug']}/items/{ids['lesson']}",
        ]
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            opener = signed_in_opener(base, LEARNER_EMAIL)
            print(
                f"{args.requests} requests per page, {args.concurrency} client threads, "
                f"{args.workers} gunicorn workers, SQLite"
            )
            print(f"{'page':<40}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}")
            import statistics

            for page in pages:
                # One request alone first: the first opening of an item writes (the place to
                # resume, a launch event); after it the page only reads.
                measure(opener, base + page, 1, 1)
                measure(opener, base + page, 50, args.concurrency)  # warm up
                rate, lat = measure(opener, base + page, args.requests, args.concurrency)
                q = statistics.quantiles(lat, n=20)
                print(
                    f"{page:<40}{rate:>8.0f}{statistics.median(lat) * 1000:>9.1f}"
                    f"{q[18] * 1000:>9.1f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
