"""The course catalogue filters by competence, through the course's tags or its modules'."""

from __future__ import annotations

from lms.competences import services
from lms.competences.models import LinkKind
from tests.content.conftest import create_course  # noqa: F401 - a fixture
from tests.lms.competences.conftest import by_code


def test_catalogue_filters_by_competence(
    client,
    session,
    create_user,
    login,
    make_framework,
    create_course,  # noqa: F811
):
    fw = make_framework(areas=1, per_area=2)
    codes = by_code(session, fw)
    direct, via_module, untagged = create_course(), create_course(), create_course()
    services.link_content(session, codes["1.1"], LinkKind.COURSE, direct.id)
    services.link_content(session, codes["1.2"], LinkKind.MODULE, via_module.modules[0].id)
    session.commit()
    login(create_user("learner"))
    page = client.get("/courses").get_data(as_text=True)
    assert 'id="competence"' in page
    assert "1.1 Competence 1.1" in page
    assert all(c.slug in page for c in (direct, via_module, untagged))
    page = client.get(f"/courses?competence={codes['1.1'].id}").get_data(as_text=True)
    assert f"/courses/{direct.slug}" in page
    assert f"/courses/{via_module.slug}" not in page
    page = client.get(f"/courses?competence={codes['1.2'].id}").get_data(as_text=True)
    assert f"/courses/{via_module.slug}" in page
    assert f"/courses/{direct.slug}" not in page
    # Nonsense is ignored rather than an error.
    for bad in ("abc", "-1", str(2**40)):
        resp = client.get(f"/courses?competence={bad}")
        assert resp.status_code == 200
        assert f"/courses/{untagged.slug}" in resp.get_data(as_text=True)
