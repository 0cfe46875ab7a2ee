"""Fixtures for the competence tests: a small framework built through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.competences import services
from lms.competences.models import Framework, Node, NodeKind


def _t(en: str, sv: str | None = None) -> dict[str, str]:
    return {"en": en, "sv": sv or f"{en} (sv)", "nb": f"{en} (nb)", "da": f"{en} (da)"}


@pytest.fixture
def make_framework(session: Session) -> Callable[..., Framework]:
    """``make_framework(areas=2, per_area=3)``: areas A1… each with competences C1.1…"""

    def make(slug: str = "test-fw", *, areas: int = 2, per_area: int = 2) -> Framework:
        framework = services.create_framework(
            session,
            slug=slug,
            name=_t(f"Framework {slug}"),
            description=_t("About it"),
            source_note="Test source",
        )
        for a in range(1, areas + 1):
            area = services.add_node(
                session,
                framework,
                kind=NodeKind.AREA,
                parent=None,
                name=_t(f"Area {a}"),
                code=f"{a}",
            )
            for c in range(1, per_area + 1):
                services.add_node(
                    session,
                    framework,
                    kind=NodeKind.COMPETENCE,
                    parent=area,
                    name=_t(f"Competence {a}.{c}"),
                    description=_t(f"Can do {a}.{c}"),
                    code=f"{a}.{c}",
                )
        session.commit()
        return framework

    return make


def by_code(session: Session, framework: Framework) -> dict[str, Node]:
    return {r.node.code: r.node for r in services.tree(session, framework)}


@contextmanager
def count_queries(connection: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", before)
