"""Demo data: Falun's SWOT day (KUB's mobilisation phase) and the municipality plan built on it.

The items follow the KUB preparation letter (the seeds): laws and policy and technology shifts
(omvärld), the municipality's population, labour market and library plan (närvärld), and the
library itself (invärld), seen as new challenges, new and old target groups and new
opportunities. The board stays open, so people trying the demo can add to it.
"""

from __future__ import annotations

from datetime import date
from itertools import cycle

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.demo import DEMO_DOMAIN
from lms.orgs.models import Membership, OrgUnit, UnitKind
from lms.plans import municipal_services as plans
from lms.plans.municipal import ActionStatus, LinkKind, PlanStatus
from lms.swot import services
from lms.swot.models import Level, Perspective, Quadrant, SwotGroup, SwotItem, SwotVote

PREPARATION = """\
Under dagen gör vi tillsammans i personalgruppen en SWOT-analys utifrån tre perspektiv: **nya
utmaningar**, **nya och gamla målgrupper** och **nya möjligheter**. Det vi kommer fram till ligger
sedan till grund för kompetensutvecklingsplanen för kommunen och för var och en av er.

Fundera gärna tillsammans i arbetsgruppen, före dagen, över vad som påverkar bibliotekets
verksamhet – nu och i framtiden. Utgå från tre nivåer:

- **Omvärld:** styrdokument och lagar (till exempel barnkonventionen och bibliotekslagen) och
  sådant som de flesta bibliotek behöver ta hänsyn till, som teknikskiften.
- **Närvärld:** befolkningsförändringar i kommunen (inflyttning, arbetspendling), arbetsmarknad och
  utbildningsmöjligheter, och vad som står i kommunens biblioteksplan.
- **Invärld:** hur ser det ut på ert bibliotek? Vad vill ni särskilt utveckla och uppmärksamma?

Vi ser fram emot en inspirerande dag!
"""

TECH_SHIFT = "Teknikskiftet: e-böcker och strömmade medier ger nya sätt att förmedla"
S, W, OPP, T = Quadrant.STRENGTH, Quadrant.WEAKNESS, Quadrant.OPPORTUNITY, Quadrant.THREAT
OUT, NEAR, IN = Level.OUTER, Level.NEAR, Level.INNER
CH, TG, OP = Perspective.CHALLENGES, Perspective.TARGET_GROUPS, Perspective.OPPORTUNITIES

# (quadrant, level, perspective, text, group name or None, priority or None)
ITEMS: tuple[tuple[Quadrant, Level, Perspective, str, str | None, int | None], ...] = (
    (
        S,
        IN,
        TG,
        "Engagerad personal med lång erfarenhet av läsfrämjande för barn och unga",
        "Läsfrämjande och samarbete",
        1,
    ),
    (
        S,
        IN,
        OP,
        "Nära samarbete med skolbiblioteken i kommunen",
        "Läsfrämjande och samarbete",
        None,
    ),
    (S, NEAR, TG, "Biblioteket är en välbesökt mötesplats för nyanlända", None, None),
    (S, IN, CH, "Van att arbeta i projekt och pröva nya arbetssätt", None, None),
    (S, OUT, OP, "Bibliotekslagen ger ett tydligt uppdrag om digital delaktighet", None, None),
    (S, IN, CH, "Centrala lokaler med långa öppettider", None, None),
    (W, IN, CH, "Ojämn digital kompetens i personalgruppen", "Digital kompetens", 1),
    (W, IN, OP, "E-medier och databaser marknadsförs för lite", "Digital kompetens", 2),
    (
        W,
        IN,
        CH,
        "Få i personalen kan handleda i e-legitimation och e-tjänster",
        "Digital kompetens",
        None,
    ),
    (W, IN, OP, "Svårt att hinna med kompetensutveckling i vardagen", "Tid för lärande", None),
    (W, IN, TG, "Vi når inte unga vuxna och män i arbetsför ålder", None, None),
    (W, NEAR, CH, "Biblioteksplanen är inaktuell och saknar mål för digitala tjänster", None, 1),
    (
        OPP,
        OUT,
        CH,
        TECH_SHIFT,
        "Digital förmedling",
        1,
    ),
    (OPP, NEAR, TG, "Inflyttning och arbetspendling ger nya målgrupper", "Nya målgrupper", None),
    (
        OPP,
        NEAR,
        OP,
        "Samarbete med vuxenutbildningen och Arbetsförmedlingen",
        "Nya målgrupper",
        None,
    ),
    (OPP, OUT, OP, "Kompetensutveckling genom KUB, med medel från ESF", None, None),
    (OPP, NEAR, TG, "Äldre som vill lära sig surfplatta och e-tjänster", "Nya målgrupper", 1),
    (OPP, OUT, TG, "Barnkonventionen lyfter barns rätt till information och kultur", None, None),
    (T, NEAR, CH, "Minskade anslag och sparkrav i kommunen", "Ekonomi och struktur", 1),
    (
        T,
        OUT,
        CH,
        "Snabb teknisk utveckling som personalen inte hinner följa",
        "Teknikutveckling",
        1,
    ),
    (T, NEAR, TG, "Unga flyttar till större orter för att studera och arbeta", None, None),
    (
        T,
        OUT,
        OP,
        "Kommersiella aktörer tar över läsning och information på nätet",
        "Teknikutveckling",
        None,
    ),
    (T, IN, CH, "Pensionsavgångar: kunskap försvinner utan överlämning", None, 2),
    (T, NEAR, CH, "Filialerna hotas av nedläggning", "Ekonomi och struktur", None),
)
GROUPS: dict[tuple[Quadrant, str], int | None] = {
    (S, "Läsfrämjande och samarbete"): 2,
    (W, "Digital kompetens"): 1,
    (W, "Tid för lärande"): 2,
    (OPP, "Digital förmedling"): 1,
    (OPP, "Nya målgrupper"): 1,
    (T, "Ekonomi och struktur"): 2,
    (T, "Teknikutveckling"): 1,
}


def _municipality(session: Session, name: str) -> OrgUnit | None:
    return session.scalar(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.MUNICIPALITY, OrgUnit.name == name)
    )


def _staff(session: Session, municipality: OrgUnit) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == Membership.library_id)
            .where(OrgUnit.path.startswith(municipality.path))
            .order_by(User.id)
        )
    )


def _user(session: Session, role: str) -> User | None:
    return session.scalar(select(User).where(User.email == f"{role}@{DEMO_DOMAIN}"))


def load_demo_swot(session: Session) -> None:
    """Add Falun's SWOT workshop and its municipality plan (called once, from
    ``lms.demo.load_demo``)."""
    falun = _municipality(session, "Falun")
    coordinator = _user(session, "coordinator")
    if falun is None or coordinator is None:
        return
    staff = _staff(session, falun)
    workshop = services.create_workshop(
        session,
        municipality=falun,
        title="SWOT-dag i Falun",
        held_on=date(2012, 10, 16),
        preparation=PREPARATION,
        facilitators=[coordinator],
        participants=[],
        votes_per_person=3,
        by=coordinator,
    )
    groups = {
        key: SwotGroup(workshop=workshop, quadrant=key[0], name=key[1], priority=prio)
        for key, prio in GROUPS.items()
    }
    session.add_all(groups.values())
    authors = cycle(staff)
    items: dict[str, SwotItem] = {}
    for quadrant, level, perspective, text, group, priority in ITEMS:
        item = SwotItem(
            workshop=workshop,
            author_id=next(authors).id,
            text=text,
            quadrant=quadrant,
            level=level,
            perspective=perspective,
            group=groups[(quadrant, group)] if group else None,
            priority=priority,
        )
        session.add(item)
        items[text] = item
    session.flush()
    # Dots: everyone but the demo learner (who may try it) spends theirs on what mattered most.
    learner = _user(session, "learner")
    favourites = [
        items["Ojämn digital kompetens i personalgruppen"],
        items[TECH_SHIFT],
        items["Äldre som vill lära sig surfplatta och e-tjänster"],
        items["Minskade anslag och sparkrav i kommunen"],
        items["Engagerad personal med lång erfarenhet av läsfrämjande för barn och unga"],
    ]
    for n, person in enumerate(p for p in staff if p is not learner):
        for k in range(3):
            session.add(
                SwotVote(item_id=favourites[(n + k) % len(favourites)].id, user_id=person.id)
            )
    session.flush()
    _load_plan(session, falun, workshop.id, coordinator, staff, items, groups)


def _load_plan(
    session: Session,
    falun: OrgUnit,
    workshop_id: int,
    coordinator: User,
    staff: list[User],
    items: dict[str, SwotItem],
    groups: dict[tuple[Quadrant, str], SwotGroup],
) -> None:
    manager = _user(session, "manager") or staff[0]
    learner = _user(session, "learner") or staff[-1]
    others = [u for u in staff if u not in (manager, learner)] or [learner]
    plan = plans.create_plan(
        session,
        municipality=falun,
        title="Kompetensutvecklingsplan för Falu kommuns bibliotek 2013–2014",
        status=PlanStatus.IN_PROGRESS,
        summary=(
            "Planen bygger på SWOT-dagen i oktober 2012 och på kompetenskartläggningen. "
            "Den pekar ut vad personalen behöver lära sig för att biblioteken ska utvecklas "
            "i takt med användarnas behov – och hur vi gör det tillsammans, som en "
            "**lärande organisation**."
        ),
        starts_on=date(2013, 1, 1),
        ends_on=date(2014, 6, 30),
        workshop_id=workshop_id,
        by=coordinator,
    )
    from content.courses.models import Course
    from content.webinars.models import EventSeries
    from lms.assignments.models import Track
    from lms.competences.models import Node, NodeKind

    competences = {
        node.code: node.id
        for node in session.scalars(select(Node).where(Node.kind == NodeKind.COMPETENCE))
    }

    def pick(kind: LinkKind, *texts: str) -> list[int]:
        return [items[t].id for t in texts if t in items]

    def course(slug: str) -> list[int]:
        return list(session.scalars(select(Course.id).where(Course.slug == slug)))

    def series(title: str) -> list[int]:
        return list(session.scalars(select(EventSeries.id).where(EventSeries.title == title)))

    def track(*words: str) -> list[int]:
        found = session.scalars(select(Track).where(Track.slug.is_not(None)).order_by(Track.id))
        return [t.id for t in found if any(w in (t.slug or "") for w in words)][:1]

    def codes(*wanted: str) -> list[int]:
        return [competences[c] for c in wanted if c in competences]

    goals = (
        (
            "All personal kan förmedla bibliotekets digitala resurser till olika målgrupper",
            "Utgår från svagheten i digital kompetens och möjligheten i teknikskiftet.",
            {
                LinkKind.SWOT_GROUP: [
                    groups[(W, "Digital kompetens")].id,
                    groups[(OPP, "Digital förmedling")].id,
                ],
                LinkKind.COMPETENCE: codes("6.1", "6.2", "2.2"),
                LinkKind.COURSE: course("digital-mediation"),
                LinkKind.WEBINAR_SERIES: series("Webbinarieserie: Digital förmedling"),
            },
            (
                (
                    "Alla medarbetare går webbkursen i digital förmedling",
                    learner,
                    date(2013, 2, 1),
                    date(2013, 6, 14),
                    ActionStatus.IN_PROGRESS,
                    {
                        LinkKind.COURSE: course("digital-mediation"),
                        LinkKind.COMPETENCE: codes("6.1"),
                    },
                ),
                (
                    "Intern workshop om e-böcker och strömmade medier",
                    others[0],
                    date(2013, 3, 1),
                    date(2013, 4, 15),
                    ActionStatus.DONE,
                    {
                        LinkKind.SWOT_ITEM: pick(
                            LinkKind.SWOT_ITEM,
                            TECH_SHIFT,
                        )
                    },
                ),
                (
                    "Handledning i e-legitimation och e-tjänster för äldre",
                    others[-1],
                    date(2013, 9, 1),
                    date(2013, 12, 13),
                    ActionStatus.PLANNED,
                    {
                        LinkKind.SWOT_ITEM: pick(
                            LinkKind.SWOT_ITEM,
                            "Få i personalen kan handleda i e-legitimation och e-tjänster",
                            "Äldre som vill lära sig surfplatta och e-tjänster",
                        ),
                        LinkKind.COMPETENCE: codes("2.2"),
                    },
                ),
            ),
        ),
        (
            "Biblioteken når nya målgrupper: nyanlända, unga vuxna och äldre",
            "",
            {
                LinkKind.SWOT_GROUP: [groups[(OPP, "Nya målgrupper")].id],
                LinkKind.SWOT_ITEM: pick(
                    LinkKind.SWOT_ITEM, "Vi når inte unga vuxna och män i arbetsför ålder"
                ),
            },
            (
                (
                    "Språkcaféer tillsammans med vuxenutbildningen",
                    manager,
                    date(2013, 8, 19),
                    date(2014, 5, 30),
                    ActionStatus.PLANNED,
                    {
                        LinkKind.SWOT_ITEM: pick(
                            LinkKind.SWOT_ITEM,
                            "Samarbete med vuxenutbildningen och Arbetsförmedlingen",
                        )
                    },
                ),
            ),
        ),
        (
            "Ledningen prioriterar den digitala förmedlingen i vardagen",
            "Digitalt ledarskap: välja resurser, avtal om resursdelning och daglig prioritering.",
            {
                LinkKind.COMPETENCE: codes("6.4", "7.1", "7.2"),
                LinkKind.TRACK: track("leader", "ledar"),
                LinkKind.WEBINAR_SERIES: series("Webbinarieserie: Digitalt ledarskap"),
            },
            (
                (
                    "Bibliotekschefen går spåret i digitalt ledarskap",
                    manager,
                    date(2013, 1, 15),
                    date(2013, 11, 29),
                    ActionStatus.IN_PROGRESS,
                    {
                        LinkKind.TRACK: track("leader", "ledar"),
                        LinkKind.COURSE: course("digital-leadership"),
                    },
                ),
                (
                    "Revidera biblioteksplanen med mål för digitala tjänster",
                    manager,
                    None,
                    date(2013, 12, 31),
                    ActionStatus.PLANNED,
                    {
                        LinkKind.SWOT_ITEM: pick(
                            LinkKind.SWOT_ITEM,
                            "Biblioteksplanen är inaktuell och saknar mål för digitala tjänster",
                        )
                    },
                ),
            ),
        ),
    )
    for title, description, goal_links, actions in goals:
        goal = plans.add_goal(session, plan, title=title, description=description)
        plans.set_links(session, goal, plan, goal_links)
        for a_title, person, starts, due, status, a_links in actions:
            action = plans.add_action(
                session,
                goal,
                plans.ActionInput(
                    title=a_title,
                    description="",
                    responsible_id=person.id,
                    starts_on=starts,
                    due_on=due,
                    status=status,
                ),
            )
            plans.set_links(session, action, plan, a_links)
    session.flush()
