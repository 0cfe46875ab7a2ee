"""Demo data: a closed spring round and an open autumn round over Dalarna, with answers.

The spring round is closed, with nearly everyone's self-assessment and some of the Falun
manager's validated ratings; the autumn round is open, about two thirds have answered (a little
higher than in spring, so the change over time shows), and the demo learner has not yet, so
their self-assessment waits for them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.competences.models import Framework
from lms.db import utcnow
from lms.mapping import scales, services
from lms.mapping.models import MappingRound, RoundScale
from lms.orgs.models import OrgUnit, Programme, UnitKind

DEMO_DOMAIN = "demo.librarena.example"


def _answer_everyone(
    session: Session,
    mapping_round: MappingRound,
    rng: random.Random,
    *,
    share: float,
    lift: int,
    skip: set[str],
    day: date,
) -> None:
    competence_ids = scales.competence_ids(session, mapping_round.framework_id)
    values = [level.value for level in scales.round_levels(mapping_round)]
    low, high = min(values), max(values)
    for participant in sorted(mapping_round.participants, key=lambda p: p.user_id):
        if participant.user.email in skip or rng.random() > share:
            continue
        answers = {}
        for cid in competence_ids:
            # A person's own level: mostly below the middle of the scale in spring, some a
            # step higher in autumn; "don't know" now and then.
            grown = lift if rng.random() < 0.4 else 0
            level = None if rng.random() < 0.05 else rng.choice((1, 1, 2, 2, 2, 3, 4)) + grown
            answers[cid] = services.Answer(
                level=None if level is None else max(low, min(high, level))
            )
        services.save_self_assessment(
            session, mapping_round, participant, answers, submit=True, today=day
        )


def _manager_ratings(
    session: Session, mapping_round: MappingRound, manager: User, rng: random.Random, day: date
) -> None:
    """The Falun manager's validated ratings for the staff of their own library."""
    library_ids = {m.library_id for m in manager.memberships}
    competence_ids = scales.competence_ids(session, mapping_round.framework_id)
    values = [level.value for level in scales.round_levels(mapping_round)]
    for participant in mapping_round.participants:
        if participant.library_id not in library_ids or participant.user_id == manager.id:
            continue
        if participant.submitted_at is None:
            continue
        answers = {
            cid: services.Answer(level=rng.choice(values[:-1]))
            for cid in rng.sample(competence_ids, k=min(5, len(competence_ids)))
        }
        services.rate(session, mapping_round, participant, answers, by=manager, today=day)


def load_demo_mapping(session: Session) -> None:
    """Add a mapping round with answers to the demo (called once, from ``lms.demo.load_demo``)."""
    from lms.competences.demo import SLUG

    framework = session.scalar(select(Framework).where(Framework.slug == SLUG))
    dalarna = session.scalar(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.REGION, OrgUnit.name == "Dalarna")
    )
    if framework is None or dalarna is None:
        return
    programme = session.scalar(
        select(Programme).where(Programme.regions.any(OrgUnit.id == dalarna.id))
    )
    coordinator = session.scalar(select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}"))
    manager = session.scalar(select(User).where(User.email == f"manager@{DEMO_DOMAIN}"))
    if programme is None or coordinator is None or manager is None:
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not a secret
    everywhere = Scope(everywhere=True)

    spring = services.create_round(
        session,
        name="Spring 2026 mapping",
        programme=programme,
        framework_id=framework.id,
        scale=RoundScale.FRAMEWORK,
        unit_ids=[dalarna.id],
        opens_on=date(2026, 3, 2),
        closes_on=date(2026, 4, 17),
        reach=everywhere,
        by=coordinator,
    )
    _answer_everyone(session, spring, rng, share=0.9, lift=0, skip=set(), day=date(2026, 3, 20))
    _manager_ratings(session, spring, manager, rng, date(2026, 4, 10))
    services.close_round(session, spring)

    today = date.today()
    autumn = services.create_round(
        session,
        name="Autumn 2026 mapping",
        programme=programme,
        framework_id=framework.id,
        scale=RoundScale.FRAMEWORK,
        unit_ids=[dalarna.id],
        # Open whenever the demo is loaded: it started a while ago and closes in a month.
        opens_on=min(date(2026, 10, 5), today - timedelta(days=14)),
        closes_on=max(date(2026, 12, 18), today + timedelta(days=30)),
        reach=everywhere,
        by=coordinator,
    )
    _answer_everyone(
        session,
        autumn,
        rng,
        share=0.7,
        lift=1,
        skip={f"learner@{DEMO_DOMAIN}"},
        day=today,
    )
    for participant in autumn.participants:
        if participant.submitted_at is None and participant.user.email != f"learner@{DEMO_DOMAIN}":
            participant.reminded_at = utcnow()
    session.flush()
