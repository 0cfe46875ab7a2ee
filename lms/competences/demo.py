# ruff: noqa: E501 - demo texts read best one sentence per line
"""Demo data: the competence framework for digital mediation and leadership, and target levels.

The first five areas follow the five competence areas of DigComp 2.2 (JRC, 2022, CC BY 4.0);
the names of the areas are DigComp's, the competences and every descriptor are our own words,
set in library work. Two more areas hold the mediation and leadership competences the
programmes in the seeds name (KL's digital competences project above all).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.competences import services
from lms.competences.models import CompetenceLink, Framework, LinkKind, Node, NodeKind, ScaleLevel
from lms.orgs.models import JobTitle, OrgUnit, UnitKind

SLUG = "digital-mediation-leadership"

T = dict[str, str]


def _t(sv: str, nb: str, da: str, en: str) -> T:
    return {"sv": sv, "nb": nb, "da": da, "en": en}


LEVELS: tuple[tuple[int, T, T, bool, bool], ...] = (
    (
        1,
        _t("Grundläggande", "Grunnleggende", "Grundlæggende", "Foundation"),
        _t(
            "Klarar enkla uppgifter med stöd och vet var hjälpen finns.",
            "Klarer enkle oppgaver med støtte og vet hvor hjelpen finnes.",
            "Klarer enkle opgaver med støtte og ved, hvor hjælpen findes.",
            "Handles simple tasks with support and knows where to find help.",
        ),
        True,
        False,
    ),
    (
        2,
        _t("Självständig", "Selvstendig", "Selvstændig", "Independent"),
        _t(
            "Klarar vardagens uppgifter på egen hand och kan förklara dem för en låntagare.",
            "Klarer hverdagens oppgaver på egen hånd og kan forklare dem for en låner.",
            "Klarer hverdagens opgaver på egen hånd og kan forklare dem for en låner.",
            "Handles everyday tasks alone and can explain them to a patron.",
        ),
        False,
        False,
    ),
    (
        3,
        _t("Kvalificerad", "Kvalifisert", "Kvalificeret", "Proficient"),
        _t(
            "Löser också ovanliga uppgifter, väljer arbetssätt efter situationen och handleder kollegor.",
            "Løser også uvanlige oppgaver, velger arbeidsmåte etter situasjonen og veileder kolleger.",
            "Løser også usædvanlige opgaver, vælger arbejdsform efter situationen og vejleder kolleger.",
            "Also solves unusual tasks, adapts the approach to the situation and guides colleagues.",
        ),
        False,
        True,
    ),
    (
        4,
        _t("Ledande", "Ledende", "Førende", "Leading"),
        _t(
            "Utvecklar bibliotekets arbete inom området, tar fram nya metoder och lär upp andra.",
            "Utvikler bibliotekets arbeid på området, lager nye metoder og lærer opp andre.",
            "Udvikler bibliotekets arbejde på området, skaber nye metoder og oplærer andre.",
            "Develops the library's work in the field, creates new methods and trains others.",
        ),
        False,
        True,
    ),
)

# (code, area name, area description, [(code, name, description, links)]); a link is
# ("course" | "module" | "series", slug or title, module index).
Link = tuple[str, str, int]
AREAS: tuple[tuple[str, T, T, tuple[tuple[str, T, T, tuple[Link, ...]], ...]], ...] = (
    (
        "1",
        _t(
            "Informations- och datakunnighet",
            "Informasjons- og datakompetanse",
            "Informations- og datakompetence",
            "Information and data literacy",
        ),
        _t(
            "Att hitta, värdera och ordna digital information och data.",
            "Å finne, vurdere og ordne digital informasjon og data.",
            "At finde, vurdere og ordne digital information og data.",
            "Finding, judging and organising digital information and data.",
        ),
        (
            (
                "1.1",
                _t(
                    "Söka och värdera digital information",
                    "Søke etter og vurdere digital informasjon",
                    "Søge og vurdere digital information",
                    "Searching and judging digital information",
                ),
                _t(
                    "Söker i bibliotekets databaser och på webben och bedömer källornas trovärdighet tillsammans med låntagaren.",
                    "Søker i bibliotekets databaser og på nettet og vurderer kildenes troverdighet sammen med låneren.",
                    "Søger i bibliotekets databaser og på nettet og vurderer kildernes troværdighed sammen med låneren.",
                    "Searches the library's databases and the web and judges how trustworthy sources are, together with the patron.",
                ),
                (("module", "digital-mediation", 0),),
            ),
            (
                "1.2",
                _t(
                    "Ordna och dela digitalt innehåll",
                    "Ordne og dele digitalt innhold",
                    "Ordne og dele digitalt indhold",
                    "Organising and sharing digital content",
                ),
                _t(
                    "Håller ordning på e-resurser, länklistor och data så att kollegor och låntagare hittar dem.",
                    "Holder orden på e-ressurser, lenkelister og data slik at kolleger og lånere finner dem.",
                    "Holder orden på e-ressourcer, linklister og data, så kolleger og lånere kan finde dem.",
                    "Keeps e-resources, link lists and data in order so colleagues and patrons can find them.",
                ),
                (),
            ),
        ),
    ),
    (
        "2",
        _t(
            "Kommunikation och samarbete",
            "Kommunikasjon og samarbeid",
            "Kommunikation og samarbejde",
            "Communication and collaboration",
        ),
        _t(
            "Att kommunicera, samarbeta och delta i samhället med digitala verktyg.",
            "Å kommunisere, samarbeide og delta i samfunnet med digitale verktøy.",
            "At kommunikere, samarbejde og deltage i samfundet med digitale værktøjer.",
            "Communicating, working together and taking part in society with digital tools.",
        ),
        (
            (
                "2.1",
                _t(
                    "Samarbeta digitalt",
                    "Samarbeide digitalt",
                    "Samarbejde digitalt",
                    "Collaborating digitally",
                ),
                _t(
                    "Använder gemensamma dokument, videomöten och chatt i arbetet med kollegor och andra bibliotek.",
                    "Bruker felles dokumenter, videomøter og chat i arbeidet med kolleger og andre bibliotek.",
                    "Bruger fælles dokumenter, videomøder og chat i arbejdet med kolleger og andre biblioteker.",
                    "Uses shared documents, video meetings and chat when working with colleagues and other libraries.",
                ),
                (),
            ),
            (
                "2.2",
                _t(
                    "Digital delaktighet",
                    "Digital deltakelse",
                    "Digital deltagelse",
                    "Digital inclusion",
                ),
                _t(
                    "Hjälper medborgare att använda samhällets digitala tjänster, som e-legitimation och myndigheters e-tjänster.",
                    "Hjelper innbyggere å bruke samfunnets digitale tjenester, som elektronisk ID og offentlige nettjenester.",
                    "Hjælper borgere med at bruge samfundets digitale tjenester, som MitID og offentlige selvbetjeningsløsninger.",
                    "Helps citizens use society's digital services, such as electronic ID and public e-services.",
                ),
                (("module", "digital-mediation", 2),),
            ),
        ),
    ),
    (
        "3",
        _t(
            "Digitalt skapande",
            "Digitalt innholdsskaping",
            "Digital indholdsskabelse",
            "Digital content creation",
        ),
        _t(
            "Att skapa och bearbeta digitalt innehåll och känna till upphovsrätten.",
            "Å lage og bearbeide digitalt innhold og kjenne til opphavsretten.",
            "At skabe og bearbejde digitalt indhold og kende ophavsretten.",
            "Creating and editing digital content, knowing the rules of copyright.",
        ),
        (
            (
                "3.1",
                _t(
                    "Skapa digitalt innehåll",
                    "Lage digitalt innhold",
                    "Skabe digitalt indhold",
                    "Creating digital content",
                ),
                _t(
                    "Gör korta guider, filmer och inlägg som visar bibliotekets digitala resurser.",
                    "Lager korte veiledninger, filmer og innlegg som viser bibliotekets digitale ressurser.",
                    "Laver korte vejledninger, film og opslag, der viser bibliotekets digitale ressourcer.",
                    "Makes short guides, videos and posts that show the library's digital resources.",
                ),
                (),
            ),
            (
                "3.2",
                _t(
                    "Upphovsrätt och licenser",
                    "Opphavsrett og lisenser",
                    "Ophavsret og licenser",
                    "Copyright and licences",
                ),
                _t(
                    "Vet vad licenser och avtal tillåter och kan svara låntagare om att använda och dela material.",
                    "Vet hva lisenser og avtaler tillater og kan svare lånere om å bruke og dele materiale.",
                    "Ved, hvad licenser og aftaler tillader, og kan svare lånere om at bruge og dele materiale.",
                    "Knows what licences and agreements allow and can answer patrons on using and sharing material.",
                ),
                (),
            ),
        ),
    ),
    (
        "4",
        _t("Säkerhet", "Sikkerhet", "Sikkerhed", "Safety"),
        _t(
            "Att skydda enheter, personuppgifter, hälsa och miljö i den digitala vardagen.",
            "Å beskytte enheter, personopplysninger, helse og miljø i den digitale hverdagen.",
            "At beskytte enheder, personoplysninger, helbred og miljø i den digitale hverdag.",
            "Protecting devices, personal data, health and the environment in everyday digital life.",
        ),
        (
            (
                "4.1",
                _t(
                    "Skydda enheter och personuppgifter",
                    "Beskytte enheter og personopplysninger",
                    "Beskytte enheder og personoplysninger",
                    "Protecting devices and personal data",
                ),
                _t(
                    "Hanterar lösenord, publika datorer och låntagares uppgifter säkert och enligt dataskyddsreglerna.",
                    "Håndterer passord, publikumsmaskiner og låneres opplysninger sikkert og etter personvernreglene.",
                    "Håndterer adgangskoder, publikumspc'er og låneres oplysninger sikkert og efter databeskyttelsesreglerne.",
                    "Handles passwords, public computers and patrons' data safely and by the data protection rules.",
                ),
                (),
            ),
            (
                "4.2",
                _t(
                    "Trygghet på nätet",
                    "Trygghet på nettet",
                    "Tryghed på nettet",
                    "Staying safe online",
                ),
                _t(
                    "Hjälper låntagare att känna igen bedrägerier och desinformation och att må bra i digitala miljöer.",
                    "Hjelper lånere å kjenne igjen svindel og desinformasjon og å ha det bra i digitale miljøer.",
                    "Hjælper lånere med at genkende svindel og misinformation og at trives i digitale miljøer.",
                    "Helps patrons recognise fraud and disinformation and feel well in digital spaces.",
                ),
                (),
            ),
        ),
    ),
    (
        "5",
        _t("Problemlösning", "Problemløsning", "Problemløsning", "Problem solving"),
        _t(
            "Att lösa tekniska problem och hålla sin digitala kompetens aktuell.",
            "Å løse tekniske problemer og holde sin digitale kompetanse oppdatert.",
            "At løse tekniske problemer og holde sin digitale kompetence opdateret.",
            "Solving technical problems and keeping one's digital competence up to date.",
        ),
        (
            (
                "5.1",
                _t(
                    "Lösa tekniska problem",
                    "Løse tekniske problemer",
                    "Løse tekniske problemer",
                    "Solving technical problems",
                ),
                _t(
                    "Hjälper låntagare med deras egna telefoner, plattor och appar och vet när frågan ska lämnas vidare.",
                    "Hjelper lånere med egne telefoner, nettbrett og apper og vet når spørsmålet skal sendes videre.",
                    "Hjælper lånere med deres egne telefoner, tablets og apps og ved, hvornår spørgsmålet skal sendes videre.",
                    "Helps patrons with their own phones, tablets and apps, and knows when to pass a question on.",
                ),
                (),
            ),
            (
                "5.2",
                _t(
                    "Utveckla den egna digitala kompetensen",
                    "Utvikle egen digital kompetanse",
                    "Udvikle egen digital kompetence",
                    "Developing one's own digital competence",
                ),
                _t(
                    "Ser vad hen behöver lära sig, prövar nya tjänster och delar det hen lärt sig med kollegorna.",
                    "Ser hva hen trenger å lære, prøver nye tjenester og deler det hen har lært med kollegene.",
                    "Ser, hvad vedkommende har brug for at lære, afprøver nye tjenester og deler det lærte med kollegerne.",
                    "Sees what to learn next, tries new services and shares what was learnt with colleagues.",
                ),
                (),
            ),
        ),
    ),
    (
        "6",
        _t("Digital förmedling", "Digital formidling", "Digital formidling", "Digital mediation"),
        _t(
            "Att göra bibliotekets digitala resurser kända och använda av dem som har nytta av dem.",
            "Å gjøre bibliotekets digitale ressurser kjent og brukt av dem som har nytte av dem.",
            "At gøre bibliotekets digitale ressourcer kendt og brugt af dem, der har gavn af dem.",
            "Making the library's digital resources known and used by the people who benefit from them.",
        ),
        (
            (
                "6.1",
                _t(
                    "Förmedla digitala resurser till målgrupper",
                    "Formidle digitale ressurser til målgrupper",
                    "Formidle digitale ressourcer til målgrupper",
                    "Mediating digital resources to target groups",
                ),
                _t(
                    "Väljer budskap, plats och form efter målgruppen – seniorer, skolelever, nyanlända – och följer upp vad som fungerade.",
                    "Velger budskap, sted og form etter målgruppen – seniorer, skoleelever, nyankomne – og følger opp hva som virket.",
                    "Vælger budskab, sted og form efter målgruppen – seniorer, skoleelever, nytilkomne – og følger op på, hvad der virkede.",
                    "Chooses message, place and form for the target group – seniors, pupils, newcomers – and follows up what worked.",
                ),
                (
                    ("course", "digital-mediation", -1),
                    ("module", "digital-mediation", 1),
                    ("module", "digital-mediation", 3),
                    ("series", "Webbinarieserie: Digital förmedling", -1),
                ),
            ),
            (
                "6.2",
                _t(
                    "Välja digitala resurser",
                    "Velge digitale ressurser",
                    "Udvælge digitale ressourcer",
                    "Selecting digital resources",
                ),
                _t(
                    "Bedömer databaser, e-böcker och strömningstjänster efter användarnas behov, kostnad och användning.",
                    "Vurderer databaser, e-bøker og strømmetjenester etter brukernes behov, kostnad og bruk.",
                    "Vurderer databaser, e-bøger og streamingtjenester efter brugernes behov, pris og brug.",
                    "Weighs databases, e-books and streaming services against users' needs, cost and use.",
                ),
                (
                    ("module", "digital-leadership", 0),
                    ("module", "digital-mediation", 0),
                    ("series", "Webbinarieserie: Digitalt ledarskap", -1),
                ),
            ),
            (
                "6.3",
                _t(
                    "Avtal om resursdelning",
                    "Avtaler om ressursdeling",
                    "Aftaler om ressourcedeling",
                    "Resource-sharing agreements",
                ),
                _t(
                    "Förstår och förhandlar avtal där bibliotek delar licenser, kostnader och arbete med varandra.",
                    "Forstår og forhandler avtaler der bibliotek deler lisenser, kostnader og arbeid med hverandre.",
                    "Forstår og forhandler aftaler, hvor biblioteker deler licenser, udgifter og arbejde med hinanden.",
                    "Understands and negotiates agreements in which libraries share licences, costs and work.",
                ),
                (
                    ("module", "digital-leadership", 1),
                    ("series", "Webbinarieserie: Digitalt ledarskap", -1),
                ),
            ),
            (
                "6.4",
                _t(
                    "Prioritera förmedlingen i vardagen",
                    "Prioritere formidlingen i hverdagen",
                    "Prioritere formidlingen i hverdagen",
                    "Prioritising mediation day to day",
                ),
                _t(
                    "Ger den digitala förmedlingen tid och plats i schemat, också när disken är full.",
                    "Gir den digitale formidlingen tid og plass i timeplanen, også når skranken er full.",
                    "Giver den digitale formidling tid og plads i planlægningen, også når skranken er travl.",
                    "Gives digital mediation time and room in the schedule, even when the desk is busy.",
                ),
                (("course", "digital-leadership", -1),),
            ),
        ),
    ),
    (
        "7",
        _t("Digitalt ledarskap", "Digital ledelse", "Digitalt lederskab", "Digital leadership"),
        _t(
            "Att leda biblioteket genom digitala förändringar och ge personalen möjlighet att lära.",
            "Å lede biblioteket gjennom digitale endringer og gi de ansatte mulighet til å lære.",
            "At lede biblioteket gennem digitale forandringer og give medarbejderne mulighed for at lære.",
            "Leading the library through digital change and giving staff room to learn.",
        ),
        (
            (
                "7.1",
                _t("Leda förändring", "Lede endring", "Lede forandring", "Leading change"),
                _t(
                    "Formulerar varför en förändring behövs, tar med personalen och förankrar den i bibliotekets plan.",
                    "Formulerer hvorfor en endring trengs, tar med de ansatte og forankrer den i bibliotekets plan.",
                    "Formulerer, hvorfor en forandring er nødvendig, inddrager medarbejderne og forankrer den i bibliotekets plan.",
                    "Says why a change is needed, brings the staff along and anchors it in the library's plan.",
                ),
                (
                    ("module", "digital-leadership", 2),
                    ("module", "digital-leadership", 3),
                    ("series", "Webbinarieserie: Digitalt ledarskap", -1),
                ),
            ),
            (
                "7.2",
                _t(
                    "Biblioteket som lärande organisation",
                    "Biblioteket som lærende organisasjon",
                    "Biblioteket som lærende organisation",
                    "The library as a learning organisation",
                ),
                _t(
                    "Skapar tid för reflektion, kollegialt lärande och uppföljning av kompetensutvecklingen.",
                    "Skaper tid til refleksjon, kollegial læring og oppfølging av kompetanseutviklingen.",
                    "Skaber tid til refleksion, kollegial læring og opfølgning på kompetenceudviklingen.",
                    "Makes time for reflection, learning from colleagues and following up competence development.",
                ),
                (("course", "digital-leadership", -1),),
            ),
        ),
    ),
)

L, A, M, S = (
    JobTitle.LIBRARIAN,
    JobTitle.LIBRARY_ASSISTANT,
    JobTitle.MANAGER,
    JobTitle.SPECIALIST,
)

#: Target levels per area code (a competence code overrides): {job title: (min, max)}.
TARGETS: dict[str, dict[JobTitle, tuple[int, int]]] = {
    "1": {L: (3, 3), A: (2, 2), M: (2, 3), S: (3, 4)},
    "2": {L: (3, 3), A: (2, 3), M: (3, 3), S: (3, 3)},
    "3": {L: (2, 3), A: (1, 2), M: (2, 2), S: (3, 4)},
    "4": {L: (3, 3), A: (2, 2), M: (3, 3), S: (3, 4)},
    "5": {L: (2, 3), A: (2, 2), M: (2, 2), S: (4, 4)},
    "6": {L: (3, 3), A: (2, 2), M: (3, 3), S: (3, 3)},
    "6.3": {L: (2, 2), A: (1, 1), M: (3, 4), S: (2, 3)},
    "6.4": {L: (2, 3), A: (1, 2), M: (4, 4), S: (2, 2)},
    "7": {L: (2, 2), A: (1, 1), M: (3, 4), S: (2, 2)},
}

#: A model library's municipality asks more of its librarians in mediation (unit overrides).
OVERRIDES: tuple[tuple[str, str, JobTitle, int, int], ...] = (
    ("Falun", "6.1", L, 4, 4),
    ("Falun", "6.2", L, 3, 4),
)


def _links(session: Session) -> dict[Link, tuple[LinkKind, int]]:
    from content.courses.models import Course
    from content.webinars.models import EventSeries

    found: dict[Link, tuple[LinkKind, int]] = {}
    for course in session.scalars(select(Course)):
        found[("course", course.slug, -1)] = (LinkKind.COURSE, course.id)
        for index, module in enumerate(course.modules):
            found[("module", course.slug, index)] = (LinkKind.MODULE, module.id)
    for series in session.scalars(select(EventSeries)):
        found[("series", series.title, -1)] = (LinkKind.WEBINAR_SERIES, series.id)
    return found


def load_demo_competences(session: Session) -> None:
    """Add the demo framework for digital mediation and leadership, and its target levels.

    Called once, from ``lms.demo.load_demo``.
    """
    if session.scalar(select(Framework.id).where(Framework.slug == SLUG)):
        return
    services.self_efficacy_scale(session)
    framework = services.create_framework(
        session,
        slug=SLUG,
        name=_t(
            "Digital förmedling och digitalt ledarskap på folkbibliotek",
            "Digital formidling og digital ledelse i folkebibliotek",
            "Digital formidling og digitalt lederskab på folkebiblioteker",
            "Digital mediation and digital leadership in public libraries",
        ),
        description=_t(
            "Kompetenser för personal och chefer på folkbibliotek: fem områden efter DigComp 2.2 "
            "och två om att förmedla bibliotekets digitala resurser och leda arbetet.",
            "Kompetanser for ansatte og ledere i folkebibliotek: fem områder etter DigComp 2.2 "
            "og to om å formidle bibliotekets digitale ressurser og lede arbeidet.",
            "Kompetencer for medarbejdere og ledere på folkebiblioteker: fem områder efter "
            "DigComp 2.2 og to om at formidle bibliotekets digitale ressourcer og lede arbejdet.",
            "Competences for public library staff and managers: five areas after DigComp 2.2, "
            "and two on mediating the library's digital resources and leading that work.",
        ),
        source_note=(
            "Areas 1–5 aligned with DigComp 2.2, JRC, CC BY 4.0 "
            "(https://publications.jrc.ec.europa.eu/repository/handle/JRC128415); "
            "competences and descriptors written for Librarena."
        ),
        fallback_locale="sv",
    )
    scale = framework.scale
    scale.name = _t(
        "Kompetensnivåer", "Kompetansenivåer", "Kompetenceniveauer", "Proficiency levels"
    )
    scale.levels.clear()
    session.flush()
    for value, label, descriptor, is_default, is_proficient in LEVELS:
        scale.levels.append(
            ScaleLevel(
                value=value,
                label=label,
                descriptor=descriptor,
                is_default=is_default,
                is_proficient=is_proficient,
            )
        )
    session.flush()

    links = _links(session)
    competences: dict[str, Node] = {}
    for area_position, (code, name, description, items) in enumerate(AREAS):
        area = Node(
            framework_id=framework.id,
            kind=NodeKind.AREA,
            code=code,
            name=name,
            description=description,
            position=area_position,
        )
        session.add(area)
        session.flush()
        for position, (item_code, item_name, item_description, item_links) in enumerate(items):
            node = Node(
                framework_id=framework.id,
                parent_id=area.id,
                kind=NodeKind.COMPETENCE,
                code=item_code,
                name=item_name,
                description=item_description,
                position=position,
            )
            session.add(node)
            session.flush()
            competences[item_code] = node
            for link in item_links:
                target = links.get(link)
                if target is not None:
                    session.add(
                        CompetenceLink(
                            competence_id=node.id, target_kind=target[0], target_id=target[1]
                        )
                    )
    for item_code, node in competences.items():
        per_title = TARGETS.get(item_code) or TARGETS[item_code.split(".")[0]]
        for job_title, (low, high) in per_title.items():
            services.set_target(
                session, node, job_title=job_title, unit=None, min_level=low, max_level=high
            )
    for unit_name, item_code, job_title, low, high in OVERRIDES:
        unit = session.scalar(
            select(OrgUnit).where(OrgUnit.name == unit_name, OrgUnit.kind == UnitKind.MUNICIPALITY)
        )
        if unit is not None:
            services.set_target(
                session,
                competences[item_code],
                job_title=job_title,
                unit=unit,
                min_level=low,
                max_level=high,
            )
    session.flush()
