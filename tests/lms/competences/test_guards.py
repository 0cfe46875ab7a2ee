"""What people rated in a mapping round is not deleted through the framework's pages or imports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.competences import exchange, services
from lms.competences.models import Framework, Node
from lms.errors import ValidationFailed
from lms.mapping.models import MappingRound, Participant, Rating, RatingKind, RoundScale
from lms.orgs.models import JobTitle, Programme
from tests.lms.competences.conftest import by_code


def _rate(session, framework, node, user, library):
    programme = Programme(name=f"Programme {framework.slug}")
    session.add(programme)
    session.flush()
    mapping_round = MappingRound(
        name="Spring mapping",
        programme_id=programme.id,
        framework_id=framework.id,
        scale=RoundScale.FRAMEWORK,
        opens_on=date(2026, 3, 1),
        closes_on=date(2026, 4, 1),
    )
    session.add(mapping_round)
    session.flush()
    participant = Participant(
        round_id=mapping_round.id,
        user_id=user.id,
        library_id=library.id,
        unit_path=library.path,
        job_title=JobTitle.LIBRARIAN,
    )
    session.add(participant)
    session.flush()
    session.add(
        Rating(
            participant_id=participant.id,
            competence_id=node.id,
            kind=RatingKind.SELF,
            level=2,
            score=2.0,
        )
    )
    session.commit()


def test_rated_competence_and_framework_are_kept(
    client, session, create_user, create_unit, login, make_framework
):
    fw = make_framework(areas=1, per_area=2)
    codes = by_code(session, fw)
    library = create_unit("library")
    learner = create_user("learner", unit=library)
    _rate(session, fw, codes["1.1"], learner, library)
    login(create_user("coordinator", everywhere=True))
    for node in (codes["1.1"], codes["1"]):
        resp = client.post(f"/competences/{fw.id}/nodes/{node.id}/delete")
        assert resp.status_code == 409
        assert "rated" in resp.get_data(as_text=True)
    # An unrated competence goes as before.
    resp = client.post(f"/competences/{fw.id}/nodes/{codes['1.2'].id}/delete")
    assert resp.status_code == 302
    resp = client.post(f"/competences/{fw.id}/delete")
    assert resp.status_code == 409
    assert "Mapping rounds use this framework" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Framework, fw.id) is not None
    assert session.scalar(select(func.count()).select_from(Rating)) == 1


def test_import_that_would_drop_a_rated_competence_is_refused(
    session, create_user, create_unit, make_framework
):
    fw = make_framework(areas=1, per_area=2)
    codes = by_code(session, fw)
    library = create_unit("library")
    _rate(session, fw, codes["1.2"], create_user("learner", unit=library), library)
    before = [(n.id, n.name) for n in session.scalars(select(Node).order_by(Node.id))]
    text = f"id,parent_id,kind,name_en\n{codes['1'].uuid},,area,Area renamed\n"
    with pytest.raises(ValidationFailed) as caught:
        exchange.import_csv(session, fw, text.encode())
    message = caught.value.errors["file"][0]
    assert "Competence 1.2" in message
    assert codes["1.2"].uuid in message
    session.rollback()
    after = [(n.id, n.name) for n in session.scalars(select(Node).order_by(Node.id))]
    assert after == before
    assert services.rated_ids(session, [codes["1.2"].id, codes["1.1"].id]) == {codes["1.2"].id}
