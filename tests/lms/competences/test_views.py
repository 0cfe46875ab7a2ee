"""Competence framework pages: reading for everyone signed in, editing for coordinators."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.competences import services
from lms.competences.models import CompetenceLink, Framework, Node, TargetLevel
from lms.orgs.models import JobTitle
from tests.conftest import text_of
from tests.lms.competences.conftest import by_code, count_queries


def test_learner_reads_framework_and_competence_but_cannot_edit(
    client, session, create_user, login, make_framework
):
    fw = make_framework()
    login(create_user("learner"))
    page = client.get("/competences/")
    assert page.status_code == 200
    assert "Framework test-fw" in page.get_data(as_text=True)
    page = client.get(f"/competences/{fw.id}")
    html = page.get_data(as_text=True)
    assert "Competence 2.2" in html
    assert "Foundation" in html
    assert "Edit the framework" not in html
    node = by_code(session, fw)["1.1"]
    assert "Can do 1.1" in text_of(
        client.get(f"/competences/{fw.id}/nodes/{node.id}").get_data(as_text=True)
    )
    assert client.get(f"/competences/{fw.id}/edit").status_code == 403
    assert client.post(f"/competences/{fw.id}/nodes/{node.id}/delete").status_code == 403
    assert session.get(Node, node.id) is not None


def test_framework_page_reads_in_swedish(client, session, create_user, login, make_framework):
    fw = make_framework()
    login(create_user("learner"))
    html = client.get(f"/competences/{fw.id}", headers={"Accept-Language": "sv"}).get_data(
        as_text=True
    )
    assert "Competence 1.1 (sv)" in html


def test_tree_page_queries_do_not_grow_with_the_tree(
    client, connection, create_user, login, make_framework
):
    small = make_framework("small", areas=1, per_area=1)
    big = make_framework("big", areas=6, per_area=8)
    login(create_user("learner"))
    with count_queries(connection) as few:
        assert client.get(f"/competences/{small.id}").status_code == 200
    with count_queries(connection) as many:
        assert client.get(f"/competences/{big.id}").status_code == 200
    assert len(many) == len(few)


def test_coordinator_creates_framework_with_errors_kept(client, session, create_user, login):
    login(create_user("coordinator"))
    bad = client.post(
        "/competences/new",
        data={"slug": "Not A Slug", "fallback_locale": "en", "name_sv": "Ramverk"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "lower-case letters" in html
    assert 'value="Ramverk"' in html
    assert session.scalar(select(func.count()).select_from(Framework)) == 0
    ok = client.post(
        "/competences/new",
        data={"slug": "ramverk", "fallback_locale": "sv", "name_sv": "Ramverk", "name_en": "Frame"},
    )
    assert ok.status_code == 302
    fw = session.scalar(select(Framework).where(Framework.slug == "ramverk"))
    assert fw.name == {"sv": "Ramverk", "en": "Frame"}
    assert len(services.levels(fw)) == 4


def test_coordinator_builds_moves_and_deletes_nodes(
    client, session, create_user, login, make_framework
):
    fw = make_framework()
    login(create_user("coordinator"))
    nodes = by_code(session, fw)
    resp = client.post(
        f"/competences/{fw.id}/nodes/new",
        data={
            "kind": "competence",
            "parent_id": nodes["1"].id,
            "code": "1.3",
            "name_en": "New one",
        },
    )
    assert resp.status_code == 302
    session.expire_all()
    new = by_code(session, fw)["1.3"]
    assert new.parent_id == nodes["1"].id
    assert new.name == {"en": "New one"}
    # An area may not go under a competence.
    bad = client.post(
        f"/competences/{fw.id}/nodes/new",
        data={"kind": "area", "parent_id": nodes["1.1"].id, "name_en": "Wrong"},
    )
    assert bad.status_code == 422
    assert "An area cannot sit under a competence" in bad.get_data(as_text=True)
    # A node cannot move under its own descendant.
    bad = client.post(
        f"/competences/{fw.id}/nodes/{nodes['1'].id}/edit",
        data={"parent_id": nodes["1.1"].id, "name_en": "Area 1"},
    )
    assert bad.status_code == 422
    assert (
        client.post(f"/competences/{fw.id}/nodes/{new.id}/move", data={"delta": "-1"}).status_code
        == 302
    )
    session.expire_all()
    order = [r.node.code for r in services.tree(session, fw)]
    assert order == ["1", "1.1", "1.3", "1.2", "2", "2.1", "2.2"]
    # Moving to another area, and deleting an area with its competences.
    resp = client.post(
        f"/competences/{fw.id}/nodes/{new.id}/edit",
        data={"parent_id": nodes["2"].id, "name_en": "Moved", "code": "2.3"},
    )
    assert resp.status_code == 302
    assert client.post(f"/competences/{fw.id}/nodes/{nodes['1'].id}/delete").status_code == 302
    session.expire_all()
    assert [r.node.code for r in services.tree(session, fw)] == ["2", "2.1", "2.2", "2.3"]


def test_node_of_another_framework_is_not_found(
    client, session, create_user, login, make_framework
):
    one, other = make_framework("one"), make_framework("other")
    login(create_user("coordinator"))
    foreign = by_code(session, other)["1.1"]
    assert client.get(f"/competences/{one.id}/nodes/{foreign.id}").status_code == 404
    assert client.post(f"/competences/{one.id}/nodes/{foreign.id}/delete").status_code == 404
    assert client.get("/competences/999999").status_code == 404


def test_scale_editor_reports_every_problem_and_saves(
    client, session, create_user, login, make_framework
):
    fw = make_framework()
    login(create_user("coordinator"))
    bad = client.post(
        f"/competences/{fw.id}/scale",
        data={
            "row": ["0", "1"],
            "value-0": "1",
            "label_en-0": "Low",
            "value-1": "1",
            "label_sv-1": "Hög",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "same value" in html
    assert "exactly one level as the default" in html
    assert "proficient" in html
    assert 'value="Hög"' in html
    session.expire_all()
    assert len(services.levels(fw)) == 4
    ok = client.post(
        f"/competences/{fw.id}/scale",
        data={
            "row": ["0", "1", "2"],
            "value-0": "1",
            "label_en-0": "Low",
            "descriptor_sv-0": "Lite",
            "default": "0",
            "value-1": "2",
            "label_en-1": "High",
            "proficient-1": "1",
        },
    )
    assert ok.status_code == 302
    session.expire_all()
    levels = services.levels(session.get(Framework, fw.id))
    assert [(lv.value, lv.is_default, lv.is_proficient) for lv in levels] == [
        (1, True, False),
        (2, False, True),
    ]
    assert levels[0].descriptor == {"sv": "Lite"}


def test_target_levels_general_override_and_forged_unit(
    client, session, create_user, create_unit, login, make_framework
):
    fw = make_framework()
    mine = create_unit("municipality")
    theirs = create_unit("municipality")
    coordinator = create_user("coordinator", unit=mine.parent)
    login(coordinator)
    node = by_code(session, fw)["1.1"]
    url = f"/competences/{fw.id}/nodes/{node.id}/targets"
    assert (
        client.post(
            url, data={"job_title": "librarian", "min_level": "2", "max_level": "3"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url, data={"job_title": "librarian", "unit_id": mine.id, "min_level": "4"}
        ).status_code
        == 302
    )
    bad = client.post(url, data={"job_title": "librarian", "min_level": "9"})
    assert bad.status_code == 422
    assert "Choose a level of the scale" in bad.get_data(as_text=True)
    bad = client.post(url, data={"job_title": "librarian", "min_level": "3", "max_level": "2"})
    assert bad.status_code == 422
    assert (
        client.post(
            url, data={"job_title": "librarian", "unit_id": theirs.id, "min_level": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url, data={"job_title": "librarian", "unit_id": 999999, "min_level": "1"}
        ).status_code
        == 404
    )
    session.expire_all()
    targets = {(t.unit_id, t.min_level, t.max_level) for t in session.scalars(select(TargetLevel))}
    assert targets == {(None, 2, 3), (mine.id, 4, 4)}
    library = create_unit("library", parent=mine)
    found = services.target_for(session, node, "librarian", library)
    assert found is not None
    assert (found.min_level, found.unit_id) == (4, mine.id)
    other = services.target_for(session, node, "librarian", theirs)
    assert other is not None
    assert other.min_level == 2
    assert other.gap(1) == 1
    assert other.gap(3) == 0
    page = client.get(f"/competences/{fw.id}/nodes/{node.id}").get_data(as_text=True)
    assert "2 to 3" in text_of(page)
    assert mine.name in page


def test_tagging_content_shows_the_link(client, session, create_user, login, make_framework):
    from content.courses.services import create_course

    fw = make_framework()
    course = create_course(
        session,
        slug="tagged",
        fallback_locale="en",
        topic="",
        estimated_minutes=10,
        translations={
            "en": {"title": "Tagged course", "summary": "", "description": "", "format": "markdown"}
        },
    )
    session.commit()
    login(create_user("coordinator"))
    node = by_code(session, fw)["1.1"]
    url = f"/competences/{fw.id}/nodes/{node.id}/links"
    assert client.post(url, data={"target": f"course:{course.id}"}).status_code == 302
    again = client.post(url, data={"target": f"course:{course.id}"})
    assert again.status_code == 422
    assert "already linked" in again.get_data(as_text=True)
    assert client.post(url, data={"target": "course:999999"}).status_code == 422
    assert client.post(url, data={"target": "nonsense"}).status_code == 422
    area = by_code(session, fw)["1"]
    assert (
        client.post(
            f"/competences/{fw.id}/nodes/{area.id}/links", data={"target": f"course:{course.id}"}
        ).status_code
        == 422
    )
    page = client.get(f"/competences/{fw.id}/nodes/{node.id}").get_data(as_text=True)
    assert "Tagged course" in page
    assert "/courses/tagged" in page
    link = session.scalar(select(CompetenceLink))
    assert (
        client.post(f"/competences/{fw.id}/nodes/{node.id}/links/{link.id}/delete").status_code
        == 302
    )
    assert session.scalar(select(func.count()).select_from(CompetenceLink)) == 0


def test_node_page_and_api_tree_queries_do_not_grow(
    client, connection, session, create_user, login, make_framework
):
    small = make_framework("small", areas=1, per_area=1)
    big = make_framework("big", areas=6, per_area=8)
    login(create_user("coordinator"))
    counts = []
    for fw in (small, big):
        node = by_code(session, fw)["1.1"]
        with count_queries(connection) as seen:
            assert client.get(f"/competences/{fw.id}/nodes/{node.id}").status_code == 200
            assert client.get(f"/api/v1/frameworks/{fw.id}").status_code == 200
            assert client.get(f"/api/v1/frameworks/{fw.id}/competences").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("locale", ["sv", "nb", "da"])
def test_pages_render_in_each_language(client, session, create_user, login, make_framework, locale):
    fw = make_framework(areas=1, per_area=1)
    node = by_code(session, fw)["1.1"]
    services.set_target(session, node, job_title="librarian", unit=None, min_level=1, max_level=2)
    session.commit()
    login(create_user("coordinator", locale=locale))
    for path in (
        "/competences/",
        f"/competences/{fw.id}",
        f"/competences/{fw.id}/nodes/{node.id}",
        f"/competences/{fw.id}/nodes/{node.id}/edit",
        f"/competences/{fw.id}/nodes/new",
        f"/competences/{fw.id}/scale",
        f"/competences/{fw.id}/targets",
        f"/competences/{fw.id}/import",
        "/competences/import",
        "/competences/new",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert f'lang="{locale}"' in resp.get_data(as_text=True)
    bad = client.post(
        f"/competences/{fw.id}/import",
        data={"file": (io.BytesIO(b"id,parent_id,kind,name_en\nb,zzz,competence,B\n"), "t.csv")},
        content_type="multipart/form-data",
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    row = {"sv": "Rad 2", "nb": "Rad 2", "da": "Række 2"}[locale]
    assert row in html
    assert "zzz" in html


def test_texts_in_another_language_are_marked_with_lang(client, session, create_user, login):
    fw = services.create_framework(
        session, slug="only-en", name={"en": "English only <b>"}, fallback_locale="en"
    )
    session.commit()
    login(create_user("learner", locale="sv"))
    html = client.get(f"/competences/{fw.id}").get_data(as_text=True)
    assert '<h1><span lang="en">English only &lt;b&gt;</span></h1>' in html
    # In its own language there is nothing to mark.
    fw.name = {"en": "English only <b>", "sv": "Bara svenska"}
    session.commit()
    html = client.get(f"/competences/{fw.id}").get_data(as_text=True)
    assert "<h1>Bara svenska</h1>" in html


def test_competence_page_tells_the_reader_their_own_target(
    client, session, create_user, create_unit, login, make_framework
):
    fw = make_framework(areas=1, per_area=1)
    node = by_code(session, fw)["1.1"]
    library = create_unit("library")
    services.set_target(session, node, job_title="librarian", unit=None, min_level=2)
    services.set_target(
        session, node, job_title="librarian", unit=library.parent, min_level=3, max_level=4
    )
    session.commit()
    login(create_user("learner", unit=library))
    page = text_of(client.get(f"/competences/{fw.id}/nodes/{node.id}").get_data(as_text=True))
    assert "As librarian you need a level from 3 to 4." in page


def test_bulk_target_editor_sets_overrides_and_reports_every_row(
    client, session, create_user, create_unit, login, make_framework
):
    fw = make_framework(areas=1, per_area=3)
    codes = by_code(session, fw)
    one, two, three = codes["1.1"], codes["1.2"], codes["1.3"]
    mine, theirs = create_unit("municipality"), create_unit("municipality")
    services.set_target(session, one, job_title="librarian", unit=None, min_level=2)
    session.commit()
    login(create_user("coordinator", unit=mine.parent))
    url = f"/competences/{fw.id}/targets"
    page = client.get(url + "?job_title=librarian").get_data(as_text=True)
    assert f'id="min-{one.id}"' in page
    # An override in my municipality: two rows set, one left to the general value.
    page = client.get(f"{url}?job_title=librarian&unit_id={mine.id}").get_data(as_text=True)
    assert "Applies without a value here" in page
    bad = client.post(
        url,
        data={
            "job_title": "librarian",
            "unit_id": mine.id,
            f"min-{one.id}": "3",
            f"max-{one.id}": "1",
            f"min-{two.id}": "9",
            f"min-{three.id}": "2",
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    # 1.1's range is upside down; 1.2's level (and so its "the same" highest) is off the scale.
    assert html.count('class="field-errors"') == 3
    assert f'id="max-{one.id}-error"' in html
    assert f'id="min-{two.id}-error"' in html
    assert services.targets_for_key(session, fw, JobTitle.LIBRARIAN, mine) == {}
    ok = client.post(
        url,
        data={
            "job_title": "librarian",
            "unit_id": mine.id,
            f"min-{one.id}": "3",
            f"max-{one.id}": "4",
            f"min-{three.id}": "2",
        },
    )
    assert ok.status_code == 302
    session.expire_all()
    saved = services.targets_for_key(session, fw, JobTitle.LIBRARIAN, mine)
    assert {k: (t.min_level, t.max_level) for k, t in saved.items()} == {
        one.id: (3, 4),
        three.id: (2, 2),
    }
    general = services.targets_for_key(session, fw, JobTitle.LIBRARIAN, None)
    assert {k: t.min_level for k, t in general.items()} == {one.id: 2}
    # Emptying a row removes its value; another region's unit is out of reach.
    client.post(url, data={"job_title": "librarian", "unit_id": mine.id, f"min-{one.id}": "3"})
    session.expire_all()
    assert set(services.targets_for_key(session, fw, JobTitle.LIBRARIAN, mine)) == {one.id}
    assert client.get(f"{url}?unit_id={theirs.id}").status_code == 403
    assert (
        client.post(url, data={"job_title": "librarian", "unit_id": theirs.id}).status_code == 403
    )
    assert client.get(f"{url}?unit_id=99999999999").status_code == 404
    assert client.get(f"{url}?job_title=astronaut").status_code == 422
