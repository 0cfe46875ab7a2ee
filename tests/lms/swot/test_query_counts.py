"""The workshop page, the print page and the PDF cost the same number of queries however many
items, groups and dots the board holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.swot import services
from lms.swot.models import Level, Perspective, Quadrant, SwotItem, SwotWorkshop
from tests.content.progress.test_query_counts import counted
from tests.lms.swot.conftest import SwotWorld
from tests.lms.swot.test_views import sign_in


def _fill(
    session: Session,
    workshop: SwotWorkshop,
    authors: list[User],
    add_item: Callable[..., SwotItem],
    n: int,
) -> None:
    quadrants, levels, perspectives = list(Quadrant), list(Level), list(Perspective)
    groups = {
        q: services.add_group(session, workshop, quadrant=q, name=f"Grupp {q.value} {n}")
        for q in quadrants
    }
    for k in range(n):
        q = quadrants[k % 4]
        item = add_item(
            workshop,
            authors[k % len(authors)],
            text=f"Punkt {n}-{k}",
            quadrant=q,
            level=levels[k % 3],
            perspective=perspectives[(k // 3) % 3],
        )
        item.group_id = groups[q].id if k % 2 else None
        item.priority = 1 + k % 3 if k % 5 else None
        services.vote(session, item, authors[(k + 1) % len(authors)])
    session.commit()


def test_board_pages_do_not_grow_with_the_board(
    app: Any,
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    workshop.votes_per_person = 100
    session.commit()
    authors = [swot_world.staff, swot_world.colleague, swot_world.manager]
    sign_in(client, swot_world.staff)
    paths = [f"/swot/{workshop.id}", f"/swot/{workshop.id}/print", f"/swot/{workshop.id}/board.pdf"]
    counts = []
    for size in (4, 40):
        _fill(session, workshop, authors, add_item, size)
        row = []
        for path in paths:
            with counted(app) as statements:
                assert client.get(path).status_code == 200
            row.append(len(statements))
        counts.append(row)
    assert counts[0] == counts[1], counts
