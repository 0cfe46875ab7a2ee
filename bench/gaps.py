"""Gap analysis at programme scale: the region-level heatmap page with 10,000 staff × 40
competences (400,000 self-ratings, plus validated ratings for one person in twenty).

    .venv/bin/python bench/gaps.py [--staff 10000] [--runs 30]

Builds a temporary SQLite file (tables from the models, everything bulk-inserted): one region
of 20 municipalities × 20 libraries, one framework of 5 areas × 8 competences on a 1–4 scale,
target levels per job title with unit overrides in some municipalities and libraries, one
programme and one submitted mapping round. Then renders ``/mapping/gaps/units/<region>`` as the
region's coordinator through the Flask test client and reports the median and 95th percentile
of ``--runs`` renders, and the SQL statements per render at 1,000 staff and at the full size
(they must be equal: the query count does not grow with the number of people).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

COMPETENCES_PER_AREA, AREAS = 8, 5
MUNICIPALITIES, LIBRARIES_PER_MUNICIPALITY = 20, 20
TITLES = ("librarian", "library_assistant", "specialist", "manager")


def build_base(session: Any) -> dict[str, Any]:
    """The region, units, framework, targets, programme, round and the coordinator."""
    from lms.auth.models import Role, RoleAssignment, User
    from lms.competences import services as competences
    from lms.competences.models import NodeKind
    from lms.mapping.models import MappingRound, MappingRoundUnit, RoundScale
    from lms.orgs import services as orgs
    from lms.orgs.models import Country, JobTitle, Programme

    region = orgs.create_unit(session, name="Benchland", country=Country.SE)
    libraries = []
    munis = []
    for m in range(MUNICIPALITIES):
        muni = orgs.create_unit(session, name=f"Kommun {m:02d}", parent=region)
        munis.append(muni)
        for n in range(LIBRARIES_PER_MUNICIPALITY):
            libraries.append(
                orgs.create_unit(session, name=f"Bibliotek {m:02d}-{n:02d}", parent=muni)
            )
    framework = competences.create_framework(
        session, slug="bench", name={"en": "Bench framework", "sv": "Testramverk"}
    )
    nodes = []
    for a in range(AREAS):
        area = competences.add_node(
            session, framework, kind=NodeKind.AREA, parent=None, name={"en": f"Area {a + 1}"}
        )
        for c in range(COMPETENCES_PER_AREA):
            nodes.append(
                competences.add_node(
                    session,
                    framework,
                    kind=NodeKind.COMPETENCE,
                    parent=area,
                    name={"en": f"Competence {a + 1}.{c + 1}"},
                    code=f"{a + 1}.{c + 1}",
                )
            )
    rng = random.Random(8)  # noqa: S311 - sample data
    for node in nodes:
        for title in TITLES:
            low = rng.randint(2, 3)
            competences.set_target(
                session, node, job_title=JobTitle(title), unit=None, min_level=low, max_level=4
            )
        # Overrides: some municipalities and libraries ask for more.
        for unit in (munis[rng.randrange(len(munis))], libraries[rng.randrange(len(libraries))]):
            competences.set_target(
                session, node, job_title=JobTitle.LIBRARIAN, unit=unit, min_level=4
            )
    programme = Programme(name="Bench programme", regions=[region])
    coordinator = User(email="coordinator@bench.invalid", name="Coordinator")
    session.add_all([programme, coordinator])
    session.flush()
    session.add(RoleAssignment(user=coordinator, role=Role.COORDINATOR, unit=region))
    mapping_round = MappingRound(
        name="Bench mapping",
        programme=programme,
        framework_id=framework.id,
        scale=RoundScale.FRAMEWORK,
        opens_on=date.today() - timedelta(days=30),
        closes_on=date.today() - timedelta(days=1),
    )
    session.add(mapping_round)
    session.flush()
    session.add(MappingRoundUnit(round_id=mapping_round.id, unit_id=region.id))
    session.commit()
    return {
        "region": region.id,
        "libraries": [(lib.id, lib.path) for lib in libraries],
        "competences": [node.id for node in nodes],
        "round": mapping_round.id,
        "framework": framework.id,
        "coordinator": coordinator,
    }


def add_staff(session: Any, base: dict[str, Any], start: int, count: int) -> None:
    """``count`` more staff, each with a submitted self-assessment of every competence."""
    from sqlalchemy import insert, select, text

    from lms.auth.models import User
    from lms.db import utcnow
    from lms.mapping.models import MappingLevel, Participant, Rating
    from lms.orgs.models import Membership

    rng = random.Random(start)  # noqa: S311 - sample data
    now = utcnow()
    session.execute(
        insert(User),
        [
            {
                "email": f"staff{n}@bench.invalid",
                "name": f"Staff {n}",
                "created_at": now,
                "is_active": True,
                "session_token": f"t{n}",
            }
            for n in range(start, start + count)
        ],
    )
    ids = list(
        session.scalars(
            select(User.id).where(User.email.like("staff%@bench.invalid")).order_by(User.id)
        )
    )[start : start + count]
    libraries = base["libraries"]
    placed = [
        # Staff spread over every library; each library has every job title.
        (uid, libraries[(i + start) % len(libraries)], TITLES[(i + start) // len(libraries) % 4])
        for i, uid in enumerate(ids)
    ]
    session.execute(
        insert(Membership),
        [
            {"user_id": uid, "library_id": lib[0], "job_title": title, "created_at": now}
            for uid, lib, title in placed
        ],
    )
    session.execute(
        insert(Participant),
        [
            {
                "round_id": base["round"],
                "user_id": uid,
                "library_id": lib[0],
                "unit_path": lib[1],
                "job_title": title,
                "started_at": now,
                "submitted_at": now,
                "is_latest": True,
            }
            for uid, lib, title in placed
        ],
    )
    pids = dict(
        session.execute(
            select(Participant.user_id, Participant.id).where(Participant.user_id.in_(ids))
        ).all()
    )
    rows: list[dict[str, Any]] = []
    levels: list[dict[str, Any]] = []
    for uid, lib, title in placed:
        pid = pids[uid]
        validated = rng.random() < 0.05
        for cid in base["competences"]:
            level = rng.choice((1, 2, 2, 3, 3, 3, 4, None))
            used = level
            rows.append(
                {
                    "participant_id": pid,
                    "competence_id": cid,
                    "kind": "self",
                    "level": level,
                    "score": level,
                    "comment": "",
                    "updated_at": now,
                }
            )
            if validated and level is not None:
                used = max(1, min(4, level + rng.choice((-1, 0, 1))))
                rows.append(
                    {
                        "participant_id": pid,
                        "competence_id": cid,
                        "kind": "validated",
                        "level": used,
                        "score": used,
                        "comment": "",
                        "updated_at": now,
                    }
                )
            if used is not None:
                # What lms.mapping.services.refresh_levels derives on submitting.
                levels.append(
                    {
                        "user_id": uid,
                        "competence_id": cid,
                        "framework_id": base["framework"],
                        "participant_id": pid,
                        "library_id": lib[0],
                        "unit_path": lib[1],
                        "job_title": title,
                        "score": used,
                        "is_validated": validated,
                    }
                )
        if len(rows) > 50_000:
            session.execute(insert(Rating), rows)
            session.execute(insert(MappingLevel), levels)
            rows, levels = [], []
    if rows:
        session.execute(insert(Rating), rows)
        session.execute(insert(MappingLevel), levels)
    # The tallies lms.mapping.services keeps in step with the levels (per library and per
    # unit above it), built here at once.
    from lms.mapping.models import MappingTally
    from lms.mapping.services import unit_paths

    sums: dict[tuple[int, str, int, str], list[float]] = {}
    for fid, path, cid, title, people, score in session.execute(
        text(
            "SELECT framework_id, unit_path, competence_id, job_title, count(*), sum(score)"
            " FROM mapping_levels GROUP BY framework_id, unit_path, competence_id, job_title"
        )
    ):
        for above in unit_paths(path):
            entry = sums.setdefault((fid, above, cid, title), [0, 0.0])
            entry[0] += people
            entry[1] += score
    session.execute(text("DELETE FROM mapping_tallies"))
    session.execute(
        insert(MappingTally),
        [
            {
                "framework_id": f,
                "unit_path": p,
                "competence_id": c,
                "job_title": t,
                "people": n,
                "score_sum": v,
            }
            for (f, p, c, t), (n, v) in sums.items()
        ],
    )
    session.execute(text("ANALYZE"))
    session.commit()


def render(app: Any, base: dict[str, Any], runs: int) -> tuple[list[float], int]:
    """Latencies of ``runs`` renders of the region page, and the statements of one render."""
    from sqlalchemy import event

    from lms.db import db

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with client.session_transaction() as sess:
        sess["_user_id"] = base["coordinator"].get_id()
        sess["_fresh"] = True
    url = f"/mapping/gaps/units/{base['region']}"
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    engine = db.state(app).engine
    resp = client.get(url)  # warm up (templates, caches)
    assert resp.status_code == 200, resp.status_code
    event.listen(engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        resp = client.get(url)
        latencies.append(time.perf_counter() - start)
        assert resp.status_code == 200
    assert b"heatmap" in resp.data
    return latencies, statements[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LIBRARENA_INSTANCE_PATH"] = tmp
        import lms.models  # noqa: F401 - every table
        from lms import create_app
        from lms.db import Base, db

        url = f"sqlite:///{Path(tmp) / 'gaps.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BASE_URL": "http://b"})
        with app.app_context():
            Base.metadata.create_all(db.engine)
            session = db.session
            start = time.perf_counter()
            base = build_base(session)
            small = min(1_000, args.staff)
            add_staff(session, base, 0, small)
            session.expunge_all()
            coordinator = session.merge(base["coordinator"])
            base["coordinator"] = coordinator
        with app.app_context():
            lat_small, q_small = render(app, base, args.runs)
        with app.app_context():
            session = db.session
            if args.staff > small:
                add_staff(session, base, small, args.staff - small)
            built = time.perf_counter() - start
            from sqlalchemy import func, select

            from lms.mapping.models import Rating

            ratings = session.scalar(select(func.count(Rating.id)))
        with app.app_context():
            latencies, q_full = render(app, base, args.runs)
        print(
            f"{args.staff} staff × {len(base['competences'])} competences, {ratings} ratings "
            f"(built in {built:.1f} s), SQLite, Flask test client"
        )
        print(
            f"region heatmap page: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {statistics.quantiles(latencies, n=20)[18] * 1000:.0f} ms over {args.runs} runs"
            f" (at {small} staff: median {statistics.median(lat_small) * 1000:.0f} ms)"
        )
        print(f"SQL statements per render: {q_small} at {small} staff, {q_full} at {args.staff}")
        if q_small != q_full:
            print("FAIL: the query count grows with the number of people")
            sys.exit(1)
        if statistics.median(latencies) >= 0.5:
            print("FAIL: the median is not under 500 ms")
            sys.exit(1)


if __name__ == "__main__":
    main()
