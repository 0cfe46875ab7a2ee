"""Small helpers shared by the HTML views: forms shown again, safe redirects, paging."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from flask import render_template, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lms.db import db
from lms.errors import Errors

T = TypeVar("T")


def render_form(template: str, *, errors: Errors | None = None, **context: Any) -> tuple[str, int]:
    """Render a form page; after a failed POST it keeps what was typed and shows the errors.

    The session is rolled back first, so nothing of the failed operation stays behind.
    """
    status = 200
    if errors:
        db.session.rollback()
        status = 422
    values: dict[str, Any] = dict(context.pop("values", {}) or {})
    if request.method == "POST":
        values.update(request.form.to_dict())
        values.pop("csrf_token", None)
        values.pop("password", None)
        values.pop("password_confirm", None)
    return render_template(template, errors=errors or {}, values=values, **context), status


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=`` clamped to a sane range; anything unreadable is page 1."""
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def paginate(session: Session, stmt: Select[T], *, page: int, per_page: int = 25) -> Page[T]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items: list[T] = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def choices(labels: dict[Any, Any]) -> list[tuple[str, str]]:
    """An enum's labels as ``(value, label)`` pairs for a <select> or radio group."""
    return [(key.value, str(label)) for key, label in labels.items()]
