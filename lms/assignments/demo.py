"""Demo data: the two tracks and the demo manager's assignments of them.

"Digital leadership" (for managers, in order) is built from the digital-leadership pilot course,
its webinar series and a reflection; "Digital mediation basics" (for all staff, any order) from
two modules of the digital-mediation course, its webinars, the on-site course days and a
reflection. The demo manager (Falu stadsbibliotek) assigns the basics to the whole library and
the leadership track to its managers; one colleague is done, one is overdue.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.courses.models import Course, Module
from content.courses.snapshot import Snapshot
from content.progress import services as progress
from content.progress.models import Enrolment
from content.quizzes import services as quizzes
from content.webinars.models import EventSeries
from lms.assignments import services
from lms.assignments.models import Assignment, StepKind, StepReflection, Track
from lms.auth.models import Role, User
from lms.auth.permissions import scope
from lms.db import utcnow
from lms.orgs.models import JobTitle, Membership, OrgUnit

DEMO_LIBRARY = "Falu stadsbibliotek"

LEADERSHIP: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Digitalt ledarskap",
        "description": (
            "För bibliotekschefer: välja digitala resurser, avtal om resursdelning och att "
            "prioritera förmedlingen i vardagen. Kurs, webbinarier och en egen reflektion."
        ),
    },
    "nb": {
        "title": "Digital ledelse",
        "description": (
            "For bibliotekledere: velge digitale ressurser, avtaler om ressursdeling og å "
            "prioritere formidlingen i hverdagen. Kurs, webinarer og en egen refleksjon."
        ),
    },
    "da": {
        "title": "Digital ledelse",
        "description": (
            "For biblioteksledere: at vælge digitale ressourcer, aftaler om ressourcedeling og "
            "at prioritere formidlingen i hverdagen. Kursus, webinarer og en egen refleksion."
        ),
    },
    "en": {
        "title": "Digital leadership",
        "description": (
            "For library managers: choosing digital resources, resource-sharing agreements and "
            "making room for mediation day to day. A course, webinars and a reflection."
        ),
    },
}

BASICS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Grunderna i digital förmedling",
        "description": (
            "För all personal: bibliotekets digitala resurser och hur du förmedlar dem till "
            "olika målgrupper. Två moduler, webbinarier och kursdagar, och en reflektion."
        ),
    },
    "nb": {
        "title": "Grunnleggende digital formidling",
        "description": (
            "For alle ansatte: bibliotekets digitale ressurser og hvordan du formidler dem til "
            "ulike målgrupper. To moduler, webinarer og kursdager, og en refleksjon."
        ),
    },
    "da": {
        "title": "Grundlæggende digital formidling",
        "description": (
            "For alle medarbejdere: bibliotekets digitale ressourcer og hvordan du formidler dem "
            "til forskellige målgrupper. To moduler, webinarer og kursusdage og en refleksion."
        ),
    },
    "en": {
        "title": "Digital mediation basics",
        "description": (
            "For all staff: the library's digital resources and how to mediate them to "
            "different target groups. Two modules, webinars and course days, and a reflection."
        ),
    },
}

LEADERSHIP_REFLECTION = {
    "sv": {
        "title": "Bibliotekets nästa steg",
        "prompt": "Vilken digital tjänst ska ditt bibliotek satsa på nästa år, och vad väljer "
        "ni bort för att få tid till förmedlingen?",
    },
    "nb": {
        "title": "Bibliotekets neste steg",
        "prompt": "Hvilken digital tjeneste skal biblioteket ditt satse på neste år, og hva "
        "velger dere bort for å få tid til formidlingen?",
    },
    "da": {
        "title": "Bibliotekets næste skridt",
        "prompt": "Hvilken digital tjeneste skal dit bibliotek satse på næste år, og hvad "
        "fravælger I for at få tid til formidlingen?",
    },
    "en": {
        "title": "Your library's next step",
        "prompt": "Which digital service will your library invest in next year, and what will "
        "you stop doing to make time for mediation?",
    },
}

BASICS_REFLECTION = {
    "sv": {
        "title": "Min första förmedling",
        "prompt": "Vilken digital resurs vill du visa först, för vem, och hur?",
    },
    "nb": {
        "title": "Min første formidling",
        "prompt": "Hvilken digital ressurs vil du vise først, for hvem, og hvordan?",
    },
    "da": {
        "title": "Min første formidling",
        "prompt": "Hvilken digital ressource vil du vise først, for hvem, og hvordan?",
    },
    "en": {
        "title": "My first mediation",
        "prompt": "Which digital resource will you show first, to whom, and how?",
    },
}


def _course(session: Session, slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug))


def _series(session: Session, title: str) -> EventSeries | None:
    return session.scalar(select(EventSeries).where(EventSeries.title == title))


def _module(course: Course, position: int) -> Module | None:
    modules = sorted(course.modules, key=lambda m: m.position)
    return modules[position] if position < len(modules) else None


def _make(
    session: Session,
    *,
    slug: str,
    texts: dict[str, dict[str, str]],
    ordered: bool,
    hours: int,
    audience: list[JobTitle],
    steps: list[tuple[StepKind, dict[str, Any]]],
    owner: OrgUnit | None,
    by: User | None,
) -> Track:
    track = services.create_track(
        session,
        slug=slug,
        texts=texts,
        fallback_locale="sv",
        is_ordered=ordered,
        effort_hours=hours,
        job_titles=audience,
        owner_unit=owner,
        by=by,
    )
    for kind, data in steps:
        services.add_step(session, track, kind=kind, **data)
    services.publish(session, track, True)
    return track


def _pass_module(session: Session, enrolment: Enrolment, module_id: int, locale: str) -> None:
    """Read every lesson and pass every quiz of one module (a colleague who is done)."""
    view = Snapshot(enrolment.version.snapshot, locale)
    for module in view.modules:
        if module.id != module_id:
            continue
        for item in module.items:
            if item.kind.value == "lesson":
                progress.mark_seen(session, enrolment, item.id, locale=locale)
            elif item.kind.value == "quiz":
                answers = {
                    q.id: (
                        q.answers[:1]
                        if q.kind == "short"
                        else [str(c.id) for c in q.choices if c.correct]
                    )
                    for q in item.questions
                }
                quizzes.submit(session, enrolment, item.id, answers, locale=locale)


def load_demo_tracks(session: Session, *, today: date | None = None) -> None:
    """Add the two tracks and some assignments to the demo

    Called once, from ``lms.demo.load_demo``.
    """
    today = today or utcnow().date()
    leadership_course = _course(session, "digital-leadership")
    mediation_course = _course(session, "digital-mediation")
    if leadership_course is None or mediation_course is None:
        return
    dalarna = session.scalar(select(OrgUnit).where(OrgUnit.name == "Dalarna"))
    coordinator = session.scalar(select(User).where(User.email.startswith("coordinator@")))
    leadership_steps: list[tuple[StepKind, dict[str, Any]]] = [
        (StepKind.COURSE, {"course_id": leadership_course.id, "is_required": True}),
    ]
    leadership_series = _series(session, "Webbinarieserie: Digitalt ledarskap")
    if leadership_series is not None:
        leadership_steps.append(
            (StepKind.EVENT_SERIES, {"series_id": leadership_series.id, "is_required": True})
        )
    leadership_steps.append(
        (StepKind.REFLECTION, {"prompt": LEADERSHIP_REFLECTION, "is_required": True})
    )
    leadership = _make(
        session,
        slug="digital-leadership",
        texts=LEADERSHIP,
        ordered=True,
        hours=16,
        audience=[JobTitle.MANAGER],
        steps=leadership_steps,
        owner=dalarna,
        by=coordinator,
    )
    first, second = _module(mediation_course, 0), _module(mediation_course, 1)
    basics_steps: list[tuple[StepKind, dict[str, Any]]] = []
    for module in (first, second):
        if module is not None:
            basics_steps.append((StepKind.MODULE, {"module_id": module.id, "is_required": True}))
    for title in (
        "Webbinarieserie: Digital förmedling",
        "Kursdagar: Digital förmedling i praktiken",
    ):
        series = _series(session, title)
        if series is not None:
            basics_steps.append(
                (StepKind.EVENT_SERIES, {"series_id": series.id, "is_required": False})
            )
    basics_steps.append((StepKind.REFLECTION, {"prompt": BASICS_REFLECTION, "is_required": True}))
    basics = _make(
        session,
        slug="digital-mediation-basics",
        texts=BASICS,
        ordered=False,
        hours=8,
        audience=[],
        steps=basics_steps,
        owner=dalarna,
        by=coordinator,
    )
    session.flush()
    _assign_demo(session, basics, leadership, today)


def _assign_demo(session: Session, basics: Track, leadership: Track, today: date) -> None:
    library = session.scalar(select(OrgUnit).where(OrgUnit.name == DEMO_LIBRARY))
    manager = session.scalar(select(User).where(User.email.startswith("manager@")))
    if library is None or manager is None:
        return
    reach = scope(manager, Role.MANAGER)
    services.assign_group(
        session,
        basics,
        library.id,
        job_title=None,
        due_on=today + timedelta(days=45),
        note="Vi går igenom grunderna tillsammans på arbetsplatsträffen i maj.",
        by=manager,
        reach=reach,
        today=today,
        notify=False,
    )
    services.assign_group(
        session,
        leadership,
        library.id,
        job_title=JobTitle.MANAGER,
        due_on=today + timedelta(days=90),
        note="",
        by=manager,
        reach=reach,
        today=today,
        notify=False,
    )
    staff = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.library_id == library.id)
            .where(~User.email.startswith("manager@"), ~User.email.startswith("learner@"))
            .order_by(User.id)
        )
    )
    # The colleague half-way through the mediation course finishes the basics (done); the
    # last one was given an earlier deadline that has passed (overdue).
    done_by = next(
        (
            u
            for u in staff
            if session.scalar(
                select(Enrolment).where(
                    Enrolment.user_id == u.id, Enrolment.course_id == basics.steps[0].course_id
                )
            )
        ),
        None,
    )
    if done_by is not None:
        enrolment = session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == done_by.id, Enrolment.course_id == basics.steps[0].course_id
            )
        )
        locale = done_by.locale or "sv"
        for step in basics.steps:
            if enrolment is not None and step.kind is StepKind.MODULE and step.module_id:
                _pass_module(session, enrolment, step.module_id, locale)
            if step.kind is StepKind.REFLECTION:
                session.add(
                    StepReflection(
                        step=step,
                        user_id=done_by.id,
                        body="E-ljudböcker för seniorgruppen på torsdagar, med egen mobil.",
                    )
                )
    late = next((u for u in reversed(staff) if u is not done_by), None)
    if late is not None:
        overdue = services.active_of(session, late.id, basics.id)
        if overdue is not None:
            overdue.due_on = today - timedelta(days=5)
            overdue.assigned_at = utcnow() - timedelta(days=40)
    session.flush()
    assignments = list(session.scalars(select(Assignment)))
    services.settle(session, assignments, services.progress_for(session, assignments))
