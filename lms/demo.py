"""Demo data: a programme over four Swedish counties, plus a Norwegian and a Danish region.

Loaded by ``librarena demo`` (``make run`` calls it) into an empty database only, so running
it twice changes nothing. Later parts of Librarena add their demo content here.
"""

from __future__ import annotations

from datetime import date
from itertools import cycle

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from lms.auth.models import Role, RoleAssignment, User
from lms.auth.services import PASSWORD_METHOD
from lms.orgs import services as orgs
from lms.orgs.models import (
    Country,
    GroupKind,
    GroupMember,
    JobTitle,
    OrgUnit,
    Programme,
    ProgrammeGroup,
    UnitKind,
)

#: Not a secret: printed by ``make run`` so people can try each role.
DEMO_PASSWORD = "librarena-demo"  # noqa: S105
DEMO_DOMAIN = "demo.librarena.example"  # RFC 2606: never a real mailbox

# region → (country, {municipality: [libraries]})
REGIONS: dict[str, tuple[Country, dict[str, list[str]]]] = {
    "Dalarna": (
        Country.SE,
        {
            "Falun": ["Falu stadsbibliotek", "Svärdsjö bibliotek"],
            "Borlänge": ["Borlänge bibliotek"],
            "Mora": ["Mora bibliotek"],
        },
    ),
    "Gävleborg": (
        Country.SE,
        {
            "Gävle": ["Gävle stadsbibliotek", "Valbo bibliotek"],
            "Hudiksvall": ["Hudiksvalls bibliotek"],
        },
    ),
    "Uppsala": (
        Country.SE,
        {
            "Uppsala": ["Uppsala stadsbibliotek", "Gottsunda bibliotek"],
            "Enköping": ["Enköpings bibliotek"],
        },
    ),
    "Värmland": (
        Country.SE,
        {
            "Karlstad": ["Karlstads stadsbibliotek"],
            "Arvika": ["Arvika bibliotek"],
        },
    ),
    "Innlandet": (
        Country.NO,
        {
            "Lillehammer": ["Lillehammer bibliotek"],
            "Hamar": ["Hamar bibliotek"],
        },
    ),
    "Region Midtjylland": (
        Country.DK,
        {
            "Aarhus": ["Dokk1", "Viby Bibliotek"],
            "Silkeborg": ["Silkeborg Bibliotekerne"],
        },
    ),
}

FIRST = {
    Country.SE: [
        "Anna",
        "Erik",
        "Maria",
        "Lars",
        "Karin",
        "Johan",
        "Eva",
        "Anders",
        "Sara",
        "Per",
        "Lena",
        "Nils",
        "Ingrid",
        "Oskar",
        "Elin",
    ],
    Country.NO: ["Ingrid", "Ola", "Kari", "Lars", "Solveig", "Håkon"],
    Country.DK: ["Mette", "Søren", "Anne", "Jens", "Sofie", "Mads"],
}
LAST = {
    Country.SE: [
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
        "Gustafsson",
        "Lindqvist",
        "Berg",
    ],
    Country.NO: ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen"],
    Country.DK: ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen"],
}
LOCALE = {Country.SE: "sv", Country.NO: "nb", Country.DK: "da"}
STAFF_PER_LIBRARY = 3


def _ascii(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "ø": "o", "æ": "ae", "é": "e"})
    return text.lower().translate(table).replace(" ", "")


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """One account per role, for people trying the demo."""
    return [
        (role.value, f"{role.value}@{DEMO_DOMAIN}")
        for role in (Role.ADMIN, Role.COORDINATOR, Role.MANAGER, Role.EVALUATOR, Role.LEARNER)
        if session.scalar(select(User.id).where(User.email == f"{role.value}@{DEMO_DOMAIN}"))
    ]


def load_demo(session: Session) -> bool:
    """Load the demo into an empty database. Returns False (and does nothing) otherwise."""
    if session.scalar(select(func.count(User.id))):
        return False
    password_hash = generate_password_hash(DEMO_PASSWORD, method=PASSWORD_METHOD)

    def person(email: str, name: str, locale: str | None) -> User:
        user = User(email=email, name=name, password_hash=password_hash, locale=locale)
        session.add(user)
        session.flush()
        return user

    # Keyed by kind too: "Uppsala" is both a county and a municipality.
    units: dict[tuple[UnitKind, str], OrgUnit] = {}
    libraries: list[OrgUnit] = []
    for region_name, (country, municipalities) in REGIONS.items():
        region = orgs.create_unit(session, name=region_name, country=country)
        units[UnitKind.REGION, region_name] = region
        for muni_name, library_names in municipalities.items():
            muni = orgs.create_unit(session, name=muni_name, parent=region)
            units[UnitKind.MUNICIPALITY, muni_name] = muni
            for lib_name in library_names:
                lib = orgs.create_unit(
                    session, name=lib_name, parent=muni, address=f"{lib_name}, {muni_name}"
                )
                units[UnitKind.LIBRARY, lib_name] = lib
                libraries.append(lib)

    # The five demo accounts, one per role, each with a role where it makes sense.
    falun = units[UnitKind.LIBRARY, "Falu stadsbibliotek"]
    admin = person(f"admin@{DEMO_DOMAIN}", "Astrid Admin", "en")
    session.add(RoleAssignment(user=admin, role=Role.ADMIN, unit=None))
    coordinator = person(f"coordinator@{DEMO_DOMAIN}", "Cecilia Lindgren", "sv")
    session.add(
        RoleAssignment(
            user=coordinator, role=Role.COORDINATOR, unit=units[UnitKind.REGION, "Dalarna"]
        )
    )
    manager = person(f"manager@{DEMO_DOMAIN}", "Magnus Ek", "sv")
    session.add(RoleAssignment(user=manager, role=Role.MANAGER, unit=falun))
    orgs.add_member(session, manager, falun, JobTitle.MANAGER)
    evaluator = person(f"evaluator@{DEMO_DOMAIN}", "Eva Utvärderare", "sv")
    session.add(RoleAssignment(user=evaluator, role=Role.EVALUATOR, unit=None))
    learner = person(f"learner@{DEMO_DOMAIN}", "Lisa Lärande", "sv")
    session.add(RoleAssignment(user=learner, role=Role.LEARNER, unit=falun))
    orgs.add_member(session, learner, falun, JobTitle.LIBRARIAN)

    # Staff: a manager and two others at each library; each county has a coordinator.
    titles = cycle([JobTitle.MANAGER, JobTitle.LIBRARIAN, JobTitle.LIBRARY_ASSISTANT])
    counter = 0
    for lib in libraries:
        country = lib.country
        for _ in range(STAFF_PER_LIBRARY):
            first = FIRST[country][counter % len(FIRST[country])]
            last = LAST[country][(counter * 7) % len(LAST[country])]
            counter += 1
            email = f"{_ascii(first)}.{_ascii(last)}{counter}@{DEMO_DOMAIN}"
            user = person(email, f"{first} {last}", LOCALE[country])
            title = next(titles)
            orgs.add_member(session, user, lib, title)
            role = Role.MANAGER if title is JobTitle.MANAGER else Role.LEARNER
            session.add(RoleAssignment(user=user, role=role, unit=lib))
    coordinators = []
    for region_name, (country, _m) in REGIONS.items():
        if region_name == "Dalarna":
            coordinators.append(coordinator)
            continue
        first, last = FIRST[country][3], LAST[country][2]
        user = person(
            f"konsulent.{_ascii(region_name)}@{DEMO_DOMAIN}", f"{first} {last}", LOCALE[country]
        )
        session.add(
            RoleAssignment(
                user=user, role=Role.COORDINATOR, unit=units[UnitKind.REGION, region_name]
            )
        )
        coordinators.append(user)

    kub = Programme(
        name="KUB – Kompetensutveckling för bibliotekarier",
        description=(
            "Kompetensutveckling för all personal på folkbiblioteken i Dalarna, Gävleborg, "
            "Uppsala och Värmland: kartläggning, utvecklingsplaner och en lärande organisation."
        ),
        starts_on=date(2012, 9, 1),
        ends_on=date(2014, 12, 31),
        regions=[
            units[UnitKind.REGION, n] for n in ("Dalarna", "Gävleborg", "Uppsala", "Värmland")
        ],
    )
    session.add(kub)
    session.flush()
    orgs.add_phase(
        session, kub, name="Mobilisering", starts_on=date(2012, 9, 1), ends_on=date(2013, 6, 30)
    )
    orgs.add_phase(
        session, kub, name="Genomförande", starts_on=date(2013, 8, 1), ends_on=date(2014, 12, 31)
    )
    groups = {
        GroupKind.OWNER: "Region Dalarna, Länsbibliotek Dalarna",
        GroupKind.STEERING_GROUP: "Styrgrupp",
        GroupKind.REFERENCE_GROUP: "Referensgrupp",
        GroupKind.PROJECT_TEAM: "Projektgrupp (länskonsulenter)",
    }
    for kind, name in groups.items():
        group = ProgrammeGroup(programme=kub, kind=kind, name=name)
        session.add(group)
        if kind is GroupKind.PROJECT_TEAM:
            group.members = [GroupMember(user=c, task="Länskonsulent") for c in coordinators[:4]]
        elif kind is GroupKind.STEERING_GROUP:
            group.members = [GroupMember(user=manager, task="Ledamot")]
    session.flush()

    from content.demo import load_demo_courses

    load_demo_courses(session)

    from content.webinars.demo import load_demo_webinars

    load_demo_webinars(session)

    from lms.competences.demo import load_demo_competences

    load_demo_competences(session)

    from lms.mapping.demo import load_demo_mapping

    load_demo_mapping(session)

    from lms.assignments.demo import load_demo_tracks

    load_demo_tracks(session)

    from lms.plans.demo import load_demo_plans

    load_demo_plans(session)

    from lms.swot.demo import load_demo_swot

    load_demo_swot(session)

    from lms.reporting.demo import load_demo_activity

    load_demo_activity(session)
    return True
