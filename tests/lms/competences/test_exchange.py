"""CSV and CASE 1.1 import/export: round trips, and every problem reported with its place."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.competences import exchange, services
from lms.competences.models import Framework, Node, NodeKind
from lms.errors import ValidationFailed
from tests.lms.competences.conftest import by_code

BASE = "http://librarena.localhost/competences/case/"


def shape(session: Session, framework: Framework) -> list[tuple]:
    """What makes two frameworks equal: the tree with its texts, and the scale."""
    rows = services.tree(session, framework)
    uuid_of = {r.node.id: r.node.uuid for r in rows}
    tree = [
        (
            r.depth,
            r.node.uuid,
            uuid_of.get(r.node.parent_id),
            r.node.kind.value,
            r.node.code,
            r.node.name,
            r.node.description,
        )
        for r in rows
    ]
    levels = [
        (lv.value, lv.label, lv.descriptor, lv.is_default, lv.is_proficient)
        for lv in services.levels(framework)
    ]
    return [*tree, *levels]


def test_csv_round_trip_gives_an_equal_tree(session, make_framework):
    source = make_framework("source", areas=3, per_area=3)
    services.move_node(session, by_code(session, source)["2.3"], -2)
    text = exchange.export_csv(session, source)
    assert text.splitlines()[0] == ",".join(exchange.CSV_COLUMNS)
    target = services.create_framework(session, slug="target", name={"en": "Target"})
    assert exchange.import_csv(session, target, text.encode()) == 12
    session.expire_all()
    assert shape(session, target)[:12] == shape(session, source)[:12]
    # Importing the same file again changes nothing and keeps the same rows.
    ids = {
        n.uuid: n.id for n in session.scalars(select(Node).where(Node.framework_id == target.id))
    }
    exchange.import_csv(session, target, text.encode())
    again = {
        n.uuid: n.id for n in session.scalars(select(Node).where(Node.framework_id == target.id))
    }
    assert again == ids


def test_csv_import_updates_adds_and_removes_by_id(session, make_framework):
    fw = make_framework(areas=1, per_area=2)
    nodes = by_code(session, fw)
    keep = nodes["1.1"]
    csv_text = (
        "id;parent_id;kind;code;name_sv;name_en\n"
        f"{nodes['1'].uuid};;area;1;Område;Area\n"
        f"{keep.uuid};{nodes['1'].uuid};competence;1.1;Ändrad;Changed\n"
        "new-one;" + nodes["1"].uuid + ";competence;1.9;Ny;New\n"
    )
    exchange.import_csv(session, fw, csv_text.encode("utf-8-sig"))
    session.expire_all()
    after = by_code(session, fw)
    assert set(after) == {"1", "1.1", "1.9"}
    assert after["1.1"].id == keep.id
    assert after["1.1"].name == {"sv": "Ändrad", "en": "Changed"}
    assert after["1.9"].parent_id == nodes["1"].id


def _problems(action) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        action()
    return caught.value.errors


def test_bad_csv_reports_every_problem_by_row_and_changes_nothing(session, make_framework):
    fw = make_framework(areas=1, per_area=1)
    before = shape(session, fw)
    csv_text = (
        "id,parent_id,kind,name_en,name_fr\n"
        "a,,area,Area A,\n"
        "b,missing,competence,B,\n"
        "c,d,competence,C,\n"
        "d,c,competence,D,\n"
        "a,,area,Again,\n"
        "e,,skill,E,\n"
        "f,b,area,F under a competence,\n"
    )
    errors = _problems(lambda: exchange.import_csv(session, fw, csv_text.encode()))
    # The unknown language column is reported beside the problems of the rows.
    assert "“fr” is not a language we know" in " ".join(errors["header"])
    messages = " | ".join(m for ms in errors.values() for m in ms)
    assert "Row 3: the parent “missing” is not in the file." in messages
    assert "Row 4: the parents form a cycle (Row 4, Row 5)." in messages
    assert "Row 6: the id “a” is already used on Row 2." in messages
    assert "Row 7: the kind “skill” is neither “area” nor “competence”." in messages
    assert "Row 8: an area cannot sit under a competence." in messages
    session.expire_all()
    assert shape(session, fw) == before


@pytest.mark.parametrize(
    ("data", "where", "fragment"),
    [
        (b"\xff\xfe not utf-8", "file", "UTF-8"),
        (b"", "file", "Choose a file"),
        (b"name_en,kind\nX,area\n", "header", "“id”"),
        (b"id,parent_id,kind,name_en\nx,,area\n", "Row 2", "fields"),
        (b"id,parent_id,kind,name_en\nx,,area,\n", "Row 2", "name"),
        (b"id,parent_id,kind,name_en,colour\nx,,area,X,red\n", "header", "colour"),
    ],
)
def test_csv_format_problems(session, make_framework, data, where, fragment):
    fw = make_framework(areas=1, per_area=1)

    def run() -> None:
        exchange.import_csv(session, fw, exchange.read_upload(io.BytesIO(data), len(data)))

    errors = _problems(run)
    assert fragment in " ".join(errors[where])


def test_oversized_upload_is_refused_before_reading():
    big = io.BytesIO(b"x" * (exchange.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationFailed) as caught:
        exchange.read_upload(big, None)
    assert "larger than 2 MB" in caught.value.errors["file"][0]
    with pytest.raises(ValidationFailed):
        exchange.read_upload(io.BytesIO(b"small"), exchange.MAX_UPLOAD_BYTES + 1)


def test_case_package_shape(session, make_framework):
    fw = make_framework(areas=2, per_area=2)
    package = exchange.export_case(session, fw, BASE)
    doc = package["CFDocument"]
    assert doc["identifier"] == fw.uuid
    assert doc["uri"].startswith(BASE)
    assert {i["CFItemType"] for i in package["CFItems"]} == {"Area", "Competence"}
    assert len(package["CFItems"]) == 6
    assoc = package["CFAssociations"]
    assert {a["associationType"] for a in assoc} == {"isChildOf"}
    tops = [a for a in assoc if a["destinationNodeURI"]["identifier"] == fw.uuid]
    assert len(tops) == 2
    levels = package["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    assert [lv["score"] for lv in levels] == [1, 2, 3, 4]
    # Identifiers are stable: a second export says the same.
    assert exchange.export_case(session, fw, BASE) == package


def test_case_round_trip_creates_an_equal_framework(session, make_framework):
    fw = make_framework("roundtrip", areas=3, per_area=2)
    services.save_levels(
        session,
        fw.scale,
        [
            services.LevelInput(1, {"en": "One", "sv": "Ett"}, {"en": "First"}, True, False),
            services.LevelInput(2, {"en": "Two"}, {"da": "Anden"}, False, True),
        ],
    )
    fw.source_note = "Test source, CC BY 4.0"
    session.flush()
    before = shape(session, fw)
    meta = (fw.uuid, fw.slug, fw.name, fw.description, fw.source_note, fw.fallback_locale)
    data = json.dumps(exchange.export_case(session, fw, BASE)).encode()
    services.delete_framework(session, fw)
    session.expire_all()
    imported = exchange.import_case(session, data)
    assert (
        imported.uuid,
        imported.slug,
        imported.name,
        imported.description,
        imported.source_note,
        imported.fallback_locale,
    ) == meta
    assert shape(session, imported) == before
    # Importing it again updates the same framework rather than adding one.
    exchange.import_case(session, data)
    assert session.scalar(select(func.count()).select_from(Framework)) == 1


def test_bad_case_reports_json_paths_and_changes_nothing(session, make_framework):
    fw = make_framework(areas=1, per_area=2)
    before = shape(session, fw)
    package = exchange.export_case(session, fw, BASE)
    package["CFDocument"]["extensions"]["librarena"]["name"] = {"en": "Changed"}
    package["CFItems"][1]["CFItemType"] = "Skill"
    package["CFItems"][2]["language"] = "xx"
    errors = _problems(lambda: exchange.import_case(session, json.dumps(package).encode()))
    assert "Unknown CFItemType “Skill”" in errors["CFItems[1].CFItemType"][0]
    assert "“xx” is not a language" in errors["CFItems[2].language"][0]

    package = exchange.export_case(session, fw, BASE)
    package["CFAssociations"][1]["destinationNodeURI"]["identifier"] = (
        "00000000-0000-4000-8000-000000000000"
    )
    package["CFAssociations"][2]["originNodeURI"]["identifier"] = "nowhere"
    package["CFAssociations"][0]["associationType"] = "isFriendOf"
    package["CFItems"].append(dict(package["CFItems"][0]))
    errors = _problems(lambda: exchange.import_case(session, json.dumps(package).encode()))
    assert "neither an item nor the document" in errors["CFAssociations[1].destinationNodeURI"][0]
    assert "not an item of the file" in errors["CFAssociations[2].originNodeURI"][0]
    assert "Unknown associationType" in errors["CFAssociations[0].associationType"][0]
    assert "already used" in errors["CFItems[3].identifier"][0]

    package = exchange.export_case(session, fw, BASE)
    area, first = package["CFItems"][0]["identifier"], package["CFItems"][1]["identifier"]
    # The area becomes a child of its own competence: a cycle.
    package["CFAssociations"][0]["destinationNodeURI"]["identifier"] = first
    package["CFItems"][0]["CFItemType"] = "Competence"
    errors = _problems(lambda: exchange.import_case(session, json.dumps(package).encode()))
    assert any("cycle" in m for ms in errors.values() for m in ms)
    assert area

    for bad in (b"{not json", b"[]", b'{"CFItems": []}'):
        assert _problems(lambda bad=bad: exchange.import_case(session, bad))
    session.expire_all()
    assert shape(session, fw) == before
    assert session.get(Framework, fw.id).name["en"] == "Framework test-fw"


def test_demo_framework_round_trips_through_both_formats(app, session):
    from lms.competences.demo import SLUG
    from lms.demo import load_demo

    with app.app_context():
        load_demo(session)
    demo = session.scalar(select(Framework).where(Framework.slug == SLUG))
    copy = services.create_framework(session, slug="copy", name={"en": "Copy"})
    exchange.import_csv(session, copy, exchange.export_csv(session, demo).encode())
    assert shape(session, copy)[:-4] == shape(session, demo)[:-4]
    assert sum(1 for n in services.tree(session, copy) if n.node.kind is NodeKind.COMPETENCE) == 16
    # CASE: the same document under another identifier becomes an equal framework, scale too.
    text = json.dumps(exchange.export_case(session, demo, BASE))
    other = "7f1d7c7e-1111-4222-8333-944444444444"
    package = json.loads(text.replace(demo.uuid, other))
    package["CFDocument"]["extensions"]["librarena"]["slug"] = "case-copy"
    imported = exchange.import_case(session, json.dumps(package).encode())
    assert imported.slug == "case-copy"
    assert imported.name == demo.name
    assert imported.source_note == demo.source_note
    assert shape(session, imported) == shape(session, demo)


def test_csv_export_defuses_formulas_and_imports_them_back(session, make_framework):
    fw = make_framework(areas=1, per_area=1)
    node = by_code(session, fw)["1.1"]
    services.update_node(
        session, node, name={"en": '=HYPERLINK("x")', "sv": "-minus"}, description={}, code="@1"
    )
    text = exchange.export_csv(session, fw)
    assert "'=HYPERLINK" in text
    assert ",'@1," in text
    copy = services.create_framework(session, slug="copy", name={"en": "Copy"})
    exchange.import_csv(session, copy, ("\ufeff" + text).encode())
    imported = by_code(session, copy)["@1"]
    assert imported.name == {"en": '=HYPERLINK("x")', "sv": "-minus"}


def test_case_package_from_another_tool_imports(session):
    doc = "1c0e3f9a-2b7d-4c1e-9f00-0a1b2c3d4e5f"
    area, comp = "2d1f4a0b-3c8e-4d2f-8a11-1b2c3d4e5f60", "3e2a5b1c-4d9f-4e30-9b22-2c3d4e5f6071"
    package = {
        "CFDocument": {
            "identifier": doc,
            "uri": "https://case.example/doc",
            "creator": "Länsbiblioteket",
            "title": "Digital kompetens på biblioteket",
            "language": "sv",
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        },
        "CFItems": [
            {
                "identifier": comp,
                "fullStatement": "Söka information",
                "CFItemType": "Competency",
                "humanCodingScheme": "1.1",
                "notes": "Kan söka i databaser.",
            },
            {"identifier": area, "fullStatement": "Information", "CFItemType": "Domain"},
        ],
        "CFAssociations": [
            {
                "identifier": "a1",
                "associationType": "isChildOf",
                "originNodeURI": {"identifier": comp},
                "destinationNodeURI": {"identifier": area},
            },
            {
                "identifier": "a2",
                "associationType": "isChildOf",
                "originNodeURI": {"identifier": area},
                "destinationNodeURI": {"identifier": doc},
            },
            {
                "identifier": "a3",
                "associationType": "isRelatedTo",
                "originNodeURI": {"identifier": comp},
                "destinationNodeURI": {"identifier": "elsewhere"},
            },
        ],
    }
    fw = exchange.import_case(session, json.dumps(package).encode())
    assert fw.slug == "digital-kompetens-pa-biblioteket"
    assert fw.fallback_locale == "sv"
    assert fw.name == {"sv": "Digital kompetens på biblioteket"}
    rows = services.tree(session, fw)
    assert [(r.depth, r.node.kind, r.node.name) for r in rows] == [
        (0, NodeKind.AREA, {"sv": "Information"}),
        (1, NodeKind.COMPETENCE, {"sv": "Söka information"}),
    ]
    assert rows[1].node.description == {"sv": "Kan söka i databaser."}
    assert rows[1].node.uuid == comp
    # Without a rubric the framework keeps its default scale.
    assert len(services.levels(fw)) == 4


def test_control_characters_and_lone_surrogates_are_refused(session, make_framework):
    fw = make_framework(areas=1, per_area=1)
    before = shape(session, fw)
    csv_text = "id,parent_id,kind,name_en\na,,area,Bell\x07 here\n"
    errors = _problems(lambda: exchange.import_csv(session, fw, csv_text.encode()))
    assert "not valid text" in errors["Row 2"][0]
    package = exchange.export_case(session, fw, BASE)
    package["CFItems"][0]["fullStatement"] = "\ud800"
    package["CFItems"][1]["extensions"]["librarena"]["name"]["sv"] = "x" * 5000
    data = json.dumps(package).encode()
    errors = _problems(lambda: exchange.import_case(session, data))
    assert "not valid text" in errors["CFItems[0].fullStatement"][0]
    assert any(k.startswith("CFItems[1].extensions") for k in errors)
    session.expire_all()
    assert shape(session, fw) == before
