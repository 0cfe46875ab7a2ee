"""Mapping rounds, self-assessments and manager ratings. Services flush; views commit.

Rules worth knowing:

* **Scope.** A round covers regions, municipalities and libraries; everyone on the staff of a
  library inside them when the round is created (or its units are changed) is a participant.
* **Answers.** Each competence is answered with a level of the round's scale, or with "don't
  know" (``level=None``), plus an optional comment. A self-assessment may be saved half done
  and finished later; it can be *submitted* only when every competence has an answer, "don't
  know" counting as one. "Don't know" is left out of the gap analysis. Until the round closes a
  submitted self-assessment may still be changed (it stays submitted).
* **Closing.** After ``closes_on`` or once closed by the coordinator, answers and manager
  ratings are refused with a message saying so.
* **Manager ratings** are ``validated`` rows beside the ``self`` rows; neither overwrites the
  other. In the gap analysis a validated rating wins over the self-rating when both exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.config import COUNTRY_LOCALE, LOCALES
from lms.db import utcnow
from lms.errors import Conflict, ValidationFailed
from lms.i18n import user_country
from lms.mail import queue_mail
from lms.mapping import scales
from lms.mapping.models import (
    MappingLevel,
    MappingRound,
    MappingTally,
    Participant,
    Rating,
    RatingKind,
    RoundScale,
)
from lms.orgs.models import JobTitle, Membership, OrgUnit, Programme
from lms.xapi import events

#: The longest comment kept with an answer.
MAX_COMMENT = 2000


# Rounds


def _check_dates(opens_on: date, closes_on: date) -> None:
    if closes_on < opens_on:
        raise ValidationFailed(
            errors={"closes_on": [_("The closing date must not be before the opening date.")]}
        )


def _chosen_units(
    session: Session, programme: Programme, unit_ids: Iterable[int], reach: Scope
) -> list[OrgUnit]:
    ids = set(unit_ids)
    if not ids:
        raise ValidationFailed(errors={"units": [_("Choose at least one unit.")]})
    found = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationFailed(errors={"units": [_("Choose units from the list.")]})
    if any(not reach.contains(unit) for unit in found):
        raise ValidationFailed(errors={"units": [_("You chose a unit outside your organisation.")]})
    regions = [region.path for region in programme.regions]
    if any(not any(unit.path.startswith(p) for p in regions) for unit in found):
        raise ValidationFailed(
            errors={"units": [_("Every unit must lie in one of the programme's regions.")]}
        )
    # A unit inside another chosen one adds nobody; keep the outermost ones.
    outer = [u for u in found if not any(o is not u and u.path.startswith(o.path) for o in found)]
    return sorted(outer, key=lambda u: u.path)


def create_round(
    session: Session,
    *,
    name: str,
    programme: Programme,
    framework_id: int,
    scale: RoundScale,
    unit_ids: Iterable[int],
    opens_on: date,
    closes_on: date,
    reach: Scope,
    by: User | None,
) -> MappingRound:
    """Open a round over units inside ``reach`` and the programme; its staff become participants."""
    _check_dates(opens_on, closes_on)
    scales.check_framework(session, framework_id)
    units = _chosen_units(session, programme, unit_ids, reach)
    mapping_round = MappingRound(
        name=name,
        programme=programme,
        framework_id=framework_id,
        scale=scale,
        opens_on=opens_on,
        closes_on=closes_on,
        units=units,
        created_by_id=by.id if by else None,
    )
    session.add(mapping_round)
    session.flush()
    sync_participants(session, mapping_round)
    return mapping_round


def update_round(
    session: Session,
    mapping_round: MappingRound,
    *,
    name: str,
    unit_ids: Iterable[int],
    opens_on: date,
    closes_on: date,
    reach: Scope,
) -> MappingRound:
    """Rename a round, move its dates or change its units (framework and scale stay)."""
    if mapping_round.closed_at is not None:
        raise Conflict(_("This round is closed and can no longer be changed."))
    _check_dates(opens_on, closes_on)
    units = _chosen_units(session, mapping_round.programme, unit_ids, reach)
    mapping_round.name = name
    mapping_round.opens_on = opens_on
    mapping_round.closes_on = closes_on
    mapping_round.units = units
    session.flush()
    sync_participants(session, mapping_round)
    return mapping_round


def sync_participants(session: Session, mapping_round: MappingRound) -> int:
    """Make the participants the staff of the round's units now; returns how many were added.

    Someone who has left the units and not answered anything is taken out; anyone who has
    answered stays, with the library they answered for.
    """
    paths = [unit.path for unit in mapping_round.units]
    scope = Scope(paths=tuple(paths))
    rows = session.execute(
        select(Membership.user_id, Membership.library_id, Membership.job_title, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .join(User, User.id == Membership.user_id)
        .where(scope.where(OrgUnit.path), User.is_active.is_(True))
        .order_by(Membership.user_id, Membership.library_id)
    ).all()
    staff: dict[int, tuple[int, JobTitle, str]] = {}
    for user_id, library_id, job_title, path in rows:
        staff.setdefault(user_id, (library_id, job_title, path))  # first library if several
    existing = {
        p.user_id: p
        for p in session.scalars(
            select(Participant)
            .where(Participant.round_id == mapping_round.id)
            .options(selectinload(Participant.ratings))
        )
    }
    added = 0
    for user_id, (library_id, job_title, path) in staff.items():
        if user_id in existing:
            continue
        session.add(
            Participant(
                round_id=mapping_round.id,
                user_id=user_id,
                library_id=library_id,
                unit_path=path,
                job_title=job_title,
            )
        )
        added += 1
    for user_id, participant in existing.items():
        if user_id not in staff and not participant.ratings:
            session.delete(participant)
    session.flush()
    return added


def close_round(
    session: Session, mapping_round: MappingRound, *, now: datetime | None = None
) -> None:
    """Close a round: from now on answers and ratings are refused."""
    if mapping_round.closed_at is not None:
        raise Conflict(_("This round is already closed."))
    mapping_round.closed_at = now or utcnow()
    session.flush()


def check_open(mapping_round: MappingRound, today: date) -> None:
    """Refuse an answer to a round that is closed or not open yet, saying which."""
    if mapping_round.closed_at is not None or today > mapping_round.closes_on:
        raise Conflict(
            _("The round %(name)s is closed; answers are no longer taken.", name=mapping_round.name)
        )
    if today < mapping_round.opens_on:
        raise Conflict(
            _(
                "The round %(name)s opens on %(date)s.",
                name=mapping_round.name,
                date=mapping_round.opens_on.isoformat(),
            )
        )


def participant_of(session: Session, mapping_round: MappingRound, user: User) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.round_id == mapping_round.id, Participant.user_id == user.id
        )
    )


# Answers


@dataclass
class Answer:
    """One competence's answer as typed: a level, ``None`` for "don't know", and a comment."""

    level: int | None
    comment: str = ""


@dataclass
class AnswerSet:
    answers: dict[int, Answer] = field(default_factory=dict)


def _validate(
    mapping_round: MappingRound, answers: Mapping[int, Answer], competence_ids: set[int]
) -> None:
    allowed = {level.value for level in scales.round_levels(mapping_round)}
    errors: dict[str, list[str]] = {}
    for competence_id, answer in answers.items():
        key = f"level-{competence_id}"
        if competence_id not in competence_ids:
            errors[key] = [_("There is no such competence in this round.")]
        elif answer.level is not None and answer.level not in allowed:
            errors[key] = [
                _(
                    "Choose a level from %(low)d to %(high)d.",
                    low=min(allowed),
                    high=max(allowed),
                )
            ]
        elif len(answer.comment or "") > MAX_COMMENT:
            errors[f"comment-{competence_id}"] = [
                _("At most %(count)d characters, please.", count=MAX_COMMENT)
            ]
    if errors:
        raise ValidationFailed(errors=errors)


def _store(
    session: Session,
    participant: Participant,
    mapping_round: MappingRound,
    answers: Mapping[int, Answer],
    kind: RatingKind,
    by: User,
) -> list[Rating]:
    current = {(r.competence_id, r.kind): r for r in participant.ratings}
    changed = []
    for competence_id, answer in answers.items():
        rating = current.get((competence_id, kind))
        if kind is RatingKind.VALIDATED and answer.level is None:
            # A manager's "no rating from me": their earlier rating, if any, is withdrawn.
            if rating is not None:
                participant.ratings.remove(rating)
            continue
        score = None if answer.level is None else scales.score_of(mapping_round, answer.level)
        if rating is None:
            rating = Rating(
                participant=participant,
                competence_id=competence_id,
                kind=kind,
                level=answer.level,
                score=score,
                comment=answer.comment or "",
                rated_by_id=by.id,
            )
            session.add(rating)
        else:
            if rating.level == answer.level and rating.comment == (answer.comment or ""):
                continue
            rating.level, rating.score = answer.level, score
            rating.comment = answer.comment or ""
            rating.rated_by_id = by.id
        changed.append(rating)
    session.flush()
    return changed


def save_self_assessment(
    session: Session,
    mapping_round: MappingRound,
    participant: Participant,
    answers: Mapping[int, Answer],
    *,
    submit: bool,
    today: date,
) -> Participant:
    """Save a person's answers; with ``submit`` also hand the self-assessment in.

    Saving takes any subset; submitting needs an answer (a level or "don't know") for every
    competence of the round's framework, counting those saved before.
    """
    check_open(mapping_round, today)
    competences = scales.competence_ids(session, mapping_round.framework_id)
    _validate(mapping_round, answers, set(competences))
    user = participant.user
    _store(session, participant, mapping_round, answers, RatingKind.SELF, user)
    if participant.started_at is None:
        participant.started_at = utcnow()
    first_time = False
    if submit:
        answered = {r.competence_id for r in participant.ratings if r.kind is RatingKind.SELF}
        missing = [c for c in competences if c not in answered]
        if missing:
            raise ValidationFailed(
                errors={
                    f"level-{c}": [_("Choose a level, or \u201cdon't know\u201d.")] for c in missing
                }
            )
        first_time = participant.submitted_at is None
        participant.submitted_at = utcnow()
        _mark_latest(session, participant, mapping_round.framework_id)
    if participant.is_latest:
        refresh_levels(session, participant, mapping_round.framework_id)
    if first_time:
        _events_submitted(session, mapping_round, participant)
    session.flush()
    return participant


def rate(
    session: Session,
    mapping_round: MappingRound,
    participant: Participant,
    answers: Mapping[int, Answer],
    *,
    by: User,
    today: date,
) -> list[Rating]:
    """A manager's validated ratings for a participant, kept beside the self-ratings."""
    check_open(mapping_round, today)
    competences = scales.competence_ids(session, mapping_round.framework_id)
    _validate(mapping_round, answers, set(competences))
    changed = _store(session, participant, mapping_round, answers, RatingKind.VALIDATED, by)
    if participant.is_latest:
        refresh_levels(session, participant, mapping_round.framework_id)
    names = scales.competence_names(session, [r.competence_id for r in changed])
    for rating in changed:
        if rating.level is None:
            continue
        events.record(
            session,
            actor=by,
            verb="rated",
            object_type="competence",
            object_id=str(rating.competence_id),
            object_name=names.get(rating.competence_id),
            result=_result(mapping_round, rating.level),
            context={
                "mapping_round": mapping_round.id,
                "programme_id": mapping_round.programme_id,
                "rated_user": participant.user_id,
            },
        )
    if participant.submitted_at is not None and participant.is_latest:
        _events_reached(session, mapping_round, participant, changed)
    session.flush()
    return changed


def _mark_latest(session: Session, participant: Participant, framework_id: int) -> None:
    """This participation becomes the person's latest for the framework; earlier ones are not."""
    earlier = (
        select(Participant.id)
        .join(MappingRound, MappingRound.id == Participant.round_id)
        .where(
            Participant.user_id == participant.user_id,
            MappingRound.framework_id == framework_id,
            Participant.id != participant.id,
        )
    )
    session.execute(
        update(Participant)
        .where(Participant.id.in_(earlier))
        .values(is_latest=False)
        .execution_options(synchronize_session=False)
    )
    participant.is_latest = True


def refresh_levels(session: Session, participant: Participant, framework_id: int) -> None:
    """Rebuild the person's current levels (``MappingLevel``) from this participation, and
    move the tallies (``MappingTally``) by the difference."""
    session.flush()
    mine = and_(
        MappingLevel.user_id == participant.user_id, MappingLevel.framework_id == framework_id
    )
    deltas: dict[tuple[str, int, JobTitle], list[float]] = {}
    old = session.execute(
        select(
            MappingLevel.unit_path,
            MappingLevel.competence_id,
            MappingLevel.job_title,
            MappingLevel.score,
        ).where(mine)
    ).all()
    for path, competence_id, job_title, score in old:
        entry = deltas.setdefault((path, competence_id, job_title), [0, 0.0])
        entry[0] -= 1
        entry[1] -= score
    session.execute(delete(MappingLevel).where(mine))
    chosen: dict[int, Rating] = {}
    for kind in (RatingKind.SELF, RatingKind.VALIDATED):
        for rating in participant.ratings:
            if rating.kind is kind and rating.score is not None:
                chosen[rating.competence_id] = rating
    rows = [
        {
            "user_id": participant.user_id,
            "competence_id": competence_id,
            "framework_id": framework_id,
            "participant_id": participant.id,
            "library_id": participant.library_id,
            "unit_path": participant.unit_path,
            "job_title": participant.job_title,
            "score": rating.score,
            "is_validated": rating.kind is RatingKind.VALIDATED,
        }
        for competence_id, rating in chosen.items()
    ]
    if rows:
        session.execute(insert(MappingLevel), rows)
    for competence_id, rating in chosen.items():
        entry = deltas.setdefault(
            (participant.unit_path, competence_id, participant.job_title), [0, 0.0]
        )
        entry[0] += 1
        entry[1] += rating.score or 0.0
    _move_tallies(session, framework_id, deltas)


def unit_paths(path: str) -> list[str]:
    """The paths of a unit and every unit above it: '/3/17/42/' → '/3/', '/3/17/', '/3/17/42/'."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _move_tallies(
    session: Session, framework_id: int, deltas: dict[tuple[str, int, JobTitle], list[float]]
) -> None:
    # Every unit on the library's path has its tallies: a region's page reads its
    # municipalities' rows, not every library's.
    spread: dict[tuple[str, int, JobTitle], list[float]] = {}
    for (path, competence_id, job_title), (people, score) in deltas.items():
        for above in unit_paths(path):
            entry = spread.setdefault((above, competence_id, job_title), [0, 0.0])
            entry[0] += people
            entry[1] += score
    for (path, competence_id, job_title), (people, score) in spread.items():
        if people == 0 and abs(score) < 1e-9:
            continue
        key = and_(
            MappingTally.framework_id == framework_id,
            MappingTally.unit_path == path,
            MappingTally.competence_id == competence_id,
            MappingTally.job_title == job_title,
        )
        # An UPDATE of the sums is atomic on both databases: parallel submissions add up.
        moved = session.execute(
            update(MappingTally)
            .where(key)
            .values(
                people=MappingTally.people + int(people),
                score_sum=MappingTally.score_sum + score,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            session.add(
                MappingTally(
                    framework_id=framework_id,
                    unit_path=path,
                    competence_id=competence_id,
                    job_title=job_title,
                    people=int(people),
                    score_sum=score,
                )
            )
    session.flush()
    session.execute(
        delete(MappingTally).where(
            MappingTally.framework_id == framework_id, MappingTally.people <= 0
        )
    )


def _result(mapping_round: MappingRound, level: int) -> dict[str, object]:
    values = [lvl.value for lvl in scales.round_levels(mapping_round)]
    return {"score": {"raw": level, "min": min(values), "max": max(values)}}


def _events_submitted(
    session: Session, mapping_round: MappingRound, participant: Participant
) -> None:
    """One ``answered`` statement per competence the person gave a level for."""
    own = [r for r in participant.ratings if r.kind is RatingKind.SELF and r.level is not None]
    names = scales.competence_names(session, [r.competence_id for r in own])
    for rating in own:
        assert rating.level is not None
        events.record(
            session,
            actor=participant.user,
            verb="answered",
            object_type="competence",
            object_id=str(rating.competence_id),
            object_name=names.get(rating.competence_id),
            result=_result(mapping_round, rating.level),
            context={
                "mapping_round": mapping_round.id,
                "programme_id": mapping_round.programme_id,
                "rating": "self",
            },
        )
    _events_reached(session, mapping_round, participant, own)


def _events_reached(
    session: Session,
    mapping_round: MappingRound,
    participant: Participant,
    ratings: list[Rating],
) -> None:
    """``mastered``: the person's level (validated if any, else their own) reaches the target."""
    from lms.mapping import gaps

    if not ratings:
        return
    needed = gaps.needed_for(
        session, participant.unit_path, participant.job_title, [r.competence_id for r in ratings]
    )
    effective = gaps.effective_scores(participant)
    names = scales.competence_names(session, [r.competence_id for r in ratings])
    for rating in ratings:
        target = needed.get(rating.competence_id)
        score = effective.get(rating.competence_id)
        if target is None or score is None or score < target[0]:
            continue
        events.record(
            session,
            actor=participant.user,
            verb="mastered",
            object_type="competence",
            object_id=str(rating.competence_id),
            object_name=names.get(rating.competence_id),
            result={"success": True, "score": {"raw": score}},
            context={
                "mapping_round": mapping_round.id,
                "programme_id": mapping_round.programme_id,
                "target": target[0],
            },
        )


# Response rate and reminders


@dataclass
class UnitRate:
    unit: OrgUnit
    depth: int
    in_scope: int = 0
    submitted: int = 0
    started: int = 0

    @property
    def rate(self) -> float:
        return self.submitted / self.in_scope if self.in_scope else 0.0


def response_rates(session: Session, mapping_round: MappingRound) -> list[UnitRate]:
    """Submitted / in scope for each region, municipality and library of the round, in tree
    order: one query for the counts (grouped by library), one for the units above them."""
    rows = session.execute(
        select(
            Participant.library_id,
            func.count(Participant.id),
            func.count(Participant.submitted_at),
            func.count(Participant.started_at),
        )
        .where(Participant.round_id == mapping_round.id)
        .group_by(Participant.library_id)
    ).all()
    if not rows:
        return []
    libraries = {r[0]: r for r in rows}
    lib_units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(libraries))))
    above = {i for u in lib_units for i in u.ancestor_ids}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(above)))}
    rates: dict[int, UnitRate] = {
        uid: UnitRate(unit=u, depth=len(u.ancestor_ids) - 1) for uid, u in units.items()
    }
    for lib in lib_units:
        _lid, total, submitted, started = libraries[lib.id]
        for uid in lib.ancestor_ids:
            entry = rates[uid]
            entry.in_scope += total
            entry.submitted += submitted
            entry.started += started
    return sorted(
        rates.values(), key=lambda r: [units[i].name.casefold() for i in r.unit.ancestor_ids]
    )


def round_totals(session: Session, mapping_round: MappingRound) -> tuple[int, int]:
    """(in scope, submitted) for the whole round."""
    total, submitted = session.execute(
        select(func.count(Participant.id), func.count(Participant.submitted_at)).where(
            Participant.round_id == mapping_round.id
        )
    ).one()
    return int(total), int(submitted)


def mail_locale(user: User) -> str:
    """The person's own language, else their country's, else the site's."""
    if user.locale in LOCALES:
        return str(user.locale)
    return COUNTRY_LOCALE.get(user_country(user) or "", str(current_app.config["DEFAULT_LOCALE"]))


def send_reminders(
    session: Session, mapping_round: MappingRound, *, today: date, now: datetime | None = None
) -> int:
    """Mail everyone in the round who has not submitted, each in their language."""
    check_open(mapping_round, today)
    now = now or utcnow()
    waiting = list(
        session.scalars(
            select(Participant)
            .where(Participant.round_id == mapping_round.id, Participant.submitted_at.is_(None))
            .options(
                selectinload(Participant.user).selectinload(User.memberships),
            )
        )
    )
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    link = base + url_for("mapping.answer", round_id=mapping_round.id)
    for participant in waiting:
        user = participant.user
        if not user.is_active:
            continue
        queue_mail(
            session,
            to=user.email,
            template="mapping_reminder",
            locale=mail_locale(user),
            user=user,
            round_name=mapping_round.name,
            closes_on=mapping_round.closes_on,
            link=link,
        )
        participant.reminded_at = now
    session.flush()
    return len(waiting)


# Reading


def rounds_of(session: Session, user: User) -> list[tuple[MappingRound, Participant]]:
    """The rounds someone takes part in, newest first."""
    rows = session.execute(
        select(MappingRound, Participant)
        .join(Participant, Participant.round_id == MappingRound.id)
        .where(Participant.user_id == user.id)
        .order_by(MappingRound.opens_on.desc(), MappingRound.id.desc())
    ).all()
    return [(r, p) for r, p in rows]


def rounds_in(reach: Scope) -> Select[MappingRound]:
    """Rounds with at least one unit in ``reach``, newest first."""
    from lms.mapping.models import MappingRoundUnit

    inside = (
        select(MappingRoundUnit.round_id)
        .join(OrgUnit, OrgUnit.id == MappingRoundUnit.unit_id)
        .where(reach.where(OrgUnit.path))
    )
    return (
        select(MappingRound)
        .where(MappingRound.id.in_(inside))
        .options(selectinload(MappingRound.units), selectinload(MappingRound.programme))
        .order_by(MappingRound.opens_on.desc(), MappingRound.id.desc())
    )


def may_manage(reach: Scope, mapping_round: MappingRound) -> bool:
    """A round is managed by those whose reach covers all of its units."""
    if reach.everywhere:
        return True
    return bool(mapping_round.units) and all(reach.contains(u) for u in mapping_round.units)


def history_of(session: Session, user: User) -> list[tuple[MappingRound, Participant]]:
    """Someone's submitted self-assessments, oldest first, with their ratings loaded."""
    rows = session.execute(
        select(MappingRound, Participant)
        .join(Participant, Participant.round_id == MappingRound.id)
        .where(Participant.user_id == user.id, Participant.submitted_at.is_not(None))
        .options(selectinload(Participant.ratings))
        .order_by(MappingRound.opens_on, MappingRound.id)
    ).all()
    return [(r, p) for r, p in rows]
