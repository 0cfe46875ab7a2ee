"""Import and export of frameworks: CSV (one row per node) and 1EdTech CASE 1.1 JSON.

Both imports first read and check the whole file and report every problem at once, each
naming its place (``row 7`` of the CSV, a JSON path such as ``CFItems[3].CFItemType``); only a
file without problems changes anything. A node keeps its identifier (the CASE ``identifier``,
the CSV ``id``) across export and import, so importing a file again updates the same nodes.

CSV columns (UTF-8, comma or semicolon separated, header row first):

========================  =====================================================================
``id``                    the node's identifier: its UUID on export; any text up to 100
                          characters on import (a non-UUID gets a stable UUID derived from it)
``parent_id``             the ``id`` of the area (or competence) it sits under; empty at the top
``kind``                  ``area`` or ``competence``
``code``                  a short human code such as ``1.2`` (optional)
``name_<lang>``           the name in ``sv``, ``nb``, ``da``, ``en``; at least one per row
``description_<lang>``    the description in each language (optional)
========================  =====================================================================

Rows keep their order: siblings are placed in the order they appear.

CASE 1.1: https://www.imsglobal.org/spec/case/v1p1 — a CFPackage holds the CFDocument (the
framework), CFItems (areas and competences, ``CFItemType`` ``Area`` or ``Competence``) and
CFAssociations; ``isChildOf`` associations build the tree (an item at the top is a child of the
document). The scale travels as one CFRubric whose criterion levels are the scale's levels.
All four languages travel in ``extensions.librarena``; the standard fields carry the framework's
fallback language.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import spreadsheet
from lms.competences import services
from lms.competences.models import (
    TEXT_LOCALES,
    Framework,
    Node,
    NodeKind,
    Scale,
    as_texts,
    text_in,
)
from lms.db import utcnow
from lms.errors import ValidationFailed
from lms.schema import Text, message_paths

#: Larger files are refused before they are read.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_NODES = 5000
MAX_TEXT = 4000

CSV_COLUMNS = (
    "id",
    "parent_id",
    "kind",
    "code",
    *(f"name_{loc}" for loc in TEXT_LOCALES),
    *(f"description_{loc}" for loc in TEXT_LOCALES),
)
_TEXT_COLUMN = re.compile(r"^(name|description)_(.+)$")

#: Names a CASE file may give our two kinds of item (compared case-insensitively).
ITEM_TYPES = {
    "area": NodeKind.AREA,
    "domain": NodeKind.AREA,
    "competence": NodeKind.COMPETENCE,
    "competency": NodeKind.COMPETENCE,
}
#: https://www.imsglobal.org/spec/case/v1p1 — CFAssociation.associationType
ASSOCIATION_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
        "isTranslationOf",
    }
)
EXTENSION = "librarena"


class Problems:
    """Every problem found in a file, each under the place it was found."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(
                _("The file was not imported; nothing was changed."), errors=self.errors
            )


@dataclass
class NodeIn:
    """One node read from a file, before anything is written."""

    key: str
    parent_key: str | None
    kind: NodeKind
    where: str
    code: str = ""
    name: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    uuid: str = ""
    position: int = 0


def read_upload(stream: Any, length: int | None) -> bytes:
    """The uploaded bytes, refusing a file over :data:`MAX_UPLOAD_BYTES` without reading it all."""
    if length is not None and length > MAX_UPLOAD_BYTES:
        raise _too_large()
    data: bytes = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    if not data:
        raise ValidationFailed(errors={"file": [_("Choose a file to import.")]})
    return data


def _too_large() -> ValidationFailed:
    return ValidationFailed(
        errors={
            "file": [
                _(
                    "The file is larger than %(size)d MB; nothing was imported.",
                    size=MAX_UPLOAD_BYTES // (1024 * 1024),
                )
            ]
        }
    )


def _decode(data: bytes, problems: Problems) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("file", _("The file is not UTF-8 text."))
        return None


def _stable_uuid(namespace: str, key: str) -> str:
    """``key`` when it is a UUID, else one derived from it (the same every import)."""
    try:
        return str(uuidlib.UUID(key))
    except ValueError:
        return str(uuidlib.uuid5(uuidlib.UUID(namespace), key))


# Checking a tree (both formats)


def check_tree(nodes: list[NodeIn], problems: Problems, *, parent_field: str) -> None:
    """Missing parents, areas under competences, and cycles, each reported where it is."""
    by_key = {n.key: n for n in nodes}
    for node in nodes:
        if node.parent_key is None:
            continue
        parent = by_key.get(node.parent_key)
        if parent is None:
            problems.add(
                node.where,
                _(
                    "%(where)s: the parent “%(parent)s” is not in the file.",
                    where=node.where,
                    parent=node.parent_key,
                ),
            )
        elif parent.kind is NodeKind.COMPETENCE and node.kind is NodeKind.AREA:
            problems.add(
                node.where,
                _("%(where)s: an area cannot sit under a competence.", where=node.where),
            )
    # Follow each chain of parents; a chain that comes back to a node it passed is a cycle.
    state: dict[str, int] = {}  # 1 = on the current chain, 2 = known to reach the top
    for start in nodes:
        chain: list[str] = []
        key: str | None = start.key
        while key is not None and key in by_key and state.get(key) != 2:
            if state.get(key) == 1:
                cycle = chain[chain.index(key) :]
                places = ", ".join(by_key[k].where for k in cycle)
                for k in cycle:
                    problems.add(
                        by_key[k].where,
                        _(
                            "%(where)s: the parents form a cycle (%(places)s).",
                            where=by_key[k].where,
                            places=places,
                        ),
                    )
                break
            state[key] = 1
            chain.append(key)
            key = by_key[key].parent_key
        for k in chain:
            state[k] = 2


def _set_positions(nodes: list[NodeIn]) -> None:
    counters: dict[str | None, int] = {}
    for node in nodes:
        node.position = counters.get(node.parent_key, 0)
        counters[node.parent_key] = node.position + 1


# Writing a checked tree


def apply_tree(session: Session, framework: Framework, nodes: list[NodeIn]) -> None:
    """Make ``framework``'s tree exactly ``nodes`` (already checked): nodes are matched by
    UUID, so what was rated or tagged before keeps its ratings and tags."""
    existing = {
        n.uuid: n for n in session.scalars(select(Node).where(Node.framework_id == framework.id))
    }
    kept = {item.uuid for item in nodes}
    gone = [n for u, n in existing.items() if u not in kept]
    rated = services.rated_ids(session, [n.id for n in gone])
    if rated:
        # Removing them would delete people's answers: the file must keep them.
        raise ValidationFailed(
            _("The file was not imported; nothing was changed."),
            errors={
                "file": [
                    _(
                        "“%(name)s” has ratings from a mapping round and cannot be removed; "
                        "keep its id (%(id)s) in the file.",
                        name=text_in(n.name, framework.fallback_locale, framework.fallback_locale),
                        id=n.uuid,
                    )
                    for n in gone
                    if n.id in rated
                ]
            },
        )
    rows: dict[str, Node] = {}
    for item in nodes:
        node = existing.get(item.uuid)
        if node is None:
            node = Node(framework_id=framework.id, uuid=item.uuid, kind=item.kind)
            session.add(node)
        node.kind = item.kind
        node.code = item.code
        node.name = item.name
        node.description = item.description
        node.position = item.position
        rows[item.key] = node
    session.flush()
    for item in nodes:
        parent = rows[item.parent_key] if item.parent_key is not None else None
        rows[item.key].parent_id = parent.id if parent is not None else None
    session.flush()
    if gone:
        # Every kept node now hangs under a kept parent; remove the rest, deepest first.
        order = {row.node.id: i for i, row in enumerate(services.order_tree(gone))}
        for node in sorted(gone, key=lambda n: order.get(n.id, 0), reverse=True):
            session.delete(node)
            session.flush()


# CSV


def export_csv(session: Session, framework: Framework) -> str:
    """The tree as CSV, one row per node in display order (columns: see the module docstring)."""
    by_id: dict[int, Node] = {}
    rows = services.tree(session, framework)
    for row in rows:
        by_id[row.node.id] = row.node
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        node = row.node
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        writer.writerow(
            [
                node.uuid,
                parent.uuid if parent is not None else "",
                node.kind.value,
                spreadsheet.defuse(node.code),
                *(spreadsheet.defuse(node.name.get(loc, "")) for loc in TEXT_LOCALES),
                *(spreadsheet.defuse(node.description.get(loc, "")) for loc in TEXT_LOCALES),
            ]
        )
    return out.getvalue()


_ANY_TEXT = Text(max_length=10**9)


def _is_bad_text(value: str) -> bool:
    """The same test for control characters and broken encodings as typed form input."""
    try:
        _ANY_TEXT.deserialize(value)
    except ValidationError:
        return True
    return False


def _cell(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return spreadsheet.restore(text)


def parse_csv(data: bytes, framework: Framework) -> list[NodeIn]:
    """Read and check a CSV tree; :class:`ValidationFailed` lists every problem by row."""
    problems = Problems()
    text = _decode(data, problems)
    problems.raise_if_any()
    assert text is not None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise ValidationFailed(
            errors={"file": [_("The file is not valid CSV: %(e)s", e=exc)]}
        ) from exc
    if not table:
        raise ValidationFailed(errors={"file": [_("The file is empty.")]})
    header = [h.strip().lower() for h in table[0]]
    for required in ("id", "parent_id", "kind"):
        if required not in header:
            problems.add("header", _("The header has no column “%(column)s”.", column=required))
    for column in header:
        match = _TEXT_COLUMN.match(column)
        if match and match.group(2) not in TEXT_LOCALES:
            problems.add(
                "header",
                _(
                    "Column “%(column)s”: “%(lang)s” is not a language we know (use %(known)s).",
                    column=column,
                    lang=match.group(2),
                    known=", ".join(TEXT_LOCALES),
                ),
            )
        elif column not in CSV_COLUMNS and not match:
            problems.add("header", _("Unknown column “%(column)s”.", column=column))
    if not any(f"name_{loc}" in header for loc in TEXT_LOCALES):
        problems.add("header", _("The header has no name column (such as name_sv)."))
    # Without these columns no row can be read; other header problems still let the rows be
    # checked, so the file's every problem is reported at once.
    if any(c not in header for c in ("id", "parent_id", "kind")) or not any(
        f"name_{loc}" in header for loc in TEXT_LOCALES
    ):
        problems.raise_if_any()
    if len(table) - 1 > MAX_NODES:
        raise ValidationFailed(
            errors={"file": [_("At most %(count)d rows, please.", count=MAX_NODES)]}
        )

    nodes: list[NodeIn] = []
    seen: dict[str, str] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        where = _("Row %(row)d", row=number)
        if len(raw) != len(header):
            problems.add(
                where,
                _(
                    "%(where)s has %(got)d fields where the header has %(want)d.",
                    where=where,
                    got=len(raw),
                    want=len(header),
                ),
            )
            continue
        cells = dict(zip(header, raw, strict=True))
        key = _cell(cells.get("id"))
        if not key:
            problems.add(where, _("%(where)s: the id is empty.", where=where))
            continue
        if len(key) > 100:
            problems.add(where, _("%(where)s: the id is longer than 100 characters.", where=where))
            continue
        if key in seen:
            problems.add(
                where,
                _(
                    "%(where)s: the id “%(id)s” is already used on %(other)s.",
                    where=where,
                    id=key,
                    other=seen[key],
                ),
            )
            continue
        seen[key] = where
        kind_text = _cell(cells.get("kind")).lower()
        kind = ITEM_TYPES.get(kind_text)
        if kind is None:
            problems.add(
                where,
                _(
                    "%(where)s: the kind “%(kind)s” is neither “area” nor “competence”.",
                    where=where,
                    kind=kind_text,
                ),
            )
            continue
        name = as_texts({loc: _cell(cells.get(f"name_{loc}")) for loc in TEXT_LOCALES})
        description = as_texts(
            {loc: _cell(cells.get(f"description_{loc}")) for loc in TEXT_LOCALES}
        )
        if not name:
            problems.add(where, _("%(where)s: give a name in at least one language.", where=where))
        if any(len(t) > 300 for t in name.values()) or any(
            len(t) > MAX_TEXT for t in description.values()
        ):
            problems.add(where, _("%(where)s: a name or description is too long.", where=where))
        for column, value in cells.items():
            if isinstance(value, str) and _is_bad_text(value):
                problems.add(
                    where,
                    _(
                        "%(where)s, column “%(column)s”: this contains characters that are "
                        "not valid text.",
                        where=where,
                        column=column,
                    ),
                )
        code = _cell(cells.get("code"))
        if len(code) > 32:
            problems.add(where, _("%(where)s: the code is longer than 32 characters.", where=where))
        parent = _cell(cells.get("parent_id")) or None
        nodes.append(
            NodeIn(
                key=key,
                parent_key=parent,
                kind=kind,
                where=where,
                code=code,
                name=name,
                description=description,
                uuid=_stable_uuid(framework.uuid, key),
            )
        )
    if not nodes and not problems:
        problems.add("file", _("The file has no rows."))
    check_tree(nodes, problems, parent_field="parent_id")
    problems.raise_if_any()
    _set_positions(nodes)
    return nodes


def import_csv(session: Session, framework: Framework, data: bytes) -> int:
    """Replace ``framework``'s tree with the CSV's; returns the number of nodes."""
    nodes = parse_csv(data, framework)
    apply_tree(session, framework, nodes)
    framework.updated_at = utcnow()
    session.flush()
    return len(nodes)


# CASE 1.1


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _ref(title: str, identifier: str, uri: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": uri}


def export_case(session: Session, framework: Framework, base_uri: str) -> dict[str, Any]:
    """The framework as a CASE 1.1 CFPackage. ``base_uri`` ends with a slash; the URIs of the
    package, its document and its items resolve there (``competences_api.case_*``).

    The texts are copies: changing the package never changes the framework's rows."""
    fallback = framework.fallback_locale
    changed = _stamp(framework.updated_at)
    doc_uri = f"{base_uri}CFDocuments/{framework.uuid}"
    doc_title = text_in(framework.name, fallback, fallback)
    doc_ref = _ref(doc_title, framework.uuid, doc_uri)
    rows = services.tree(session, framework)
    by_id = {row.node.id: row.node for row in rows}

    def item_uri(node: Node) -> str:
        return f"{base_uri}CFItems/{node.uuid}"

    items = []
    associations = []
    for row in rows:
        node = row.node
        title = text_in(node.name, fallback, fallback)
        item: dict[str, Any] = {
            "identifier": node.uuid,
            "uri": item_uri(node),
            "CFDocumentURI": doc_ref,
            "fullStatement": title,
            "CFItemType": "Area" if node.kind is NodeKind.AREA else "Competence",
            "language": fallback,
            "lastChangeDateTime": changed,
            "extensions": {
                EXTENSION: {"name": dict(node.name), "description": dict(node.description)}
            },
        }
        if node.code:
            item["humanCodingScheme"] = node.code
        notes = text_in(node.description, fallback, fallback)
        if notes:
            item["notes"] = notes
        items.append(item)
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        destination = (
            _ref(text_in(parent.name, fallback, fallback), parent.uuid, item_uri(parent))
            if parent is not None
            else doc_ref
        )
        association_id = str(uuidlib.uuid5(uuidlib.UUID(node.uuid), "isChildOf"))
        associations.append(
            {
                "identifier": association_id,
                "uri": f"{base_uri}CFAssociations/{association_id}",
                "CFDocumentURI": doc_ref,
                "associationType": "isChildOf",
                "sequenceNumber": node.position + 1,
                "originNodeURI": _ref(title, node.uuid, item_uri(node)),
                "destinationNodeURI": destination,
                "lastChangeDateTime": changed,
            }
        )
    scale = framework.scale
    rubric_id = str(uuidlib.uuid5(uuidlib.UUID(framework.uuid), "scale"))
    criterion_id = str(uuidlib.uuid5(uuidlib.UUID(rubric_id), "criterion"))
    levels = [
        {
            "identifier": (
                level_id := str(uuidlib.uuid5(uuidlib.UUID(criterion_id), str(level.value)))
            ),
            "uri": f"{base_uri}CFRubricCriterionLevels/{level_id}",
            "criterionId": criterion_id,
            "quality": text_in(level.label, fallback, fallback),
            "description": text_in(level.descriptor, fallback, fallback),
            "score": level.value,
            "position": index + 1,
            "lastChangeDateTime": changed,
            "extensions": {
                EXTENSION: {
                    "label": dict(level.label),
                    "descriptor": dict(level.descriptor),
                    "is_default": level.is_default,
                    "is_proficient": level.is_proficient,
                }
            },
        }
        for index, level in enumerate(services.levels(scale))
    ]
    document: dict[str, Any] = {
        "identifier": framework.uuid,
        "uri": doc_uri,
        "creator": "Librarena",
        "title": doc_title,
        "lastChangeDateTime": changed,
        "language": fallback,
        "caseVersion": "1.1",
        "adoptionStatus": "Draft",
        "extensions": {
            EXTENSION: {
                "slug": framework.slug,
                "name": dict(framework.name),
                "description": dict(framework.description),
                "scale_name": dict(scale.name),
            }
        },
    }
    description = text_in(framework.description, fallback, fallback)
    if description:
        document["description"] = description
    if framework.source_note:
        document["notes"] = framework.source_note
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFRubrics": [
            {
                "identifier": rubric_id,
                "uri": f"{base_uri}CFRubrics/{rubric_id}",
                "title": text_in(scale.name, fallback, fallback) or doc_title,
                "lastChangeDateTime": changed,
                "CFRubricCriteria": [
                    {
                        "identifier": criterion_id,
                        "uri": f"{base_uri}CFRubricCriteria/{criterion_id}",
                        "rubricId": rubric_id,
                        "category": "proficiency",
                        "position": 1,
                        "lastChangeDateTime": changed,
                        "CFRubricCriterionLevels": levels,
                    }
                ],
            }
        ],
    }


class _Uuid(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuidlib.UUID(text))
        except ValueError as exc:
            raise ValidationError(_("This is not a UUID.")) from exc


class _Language(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text not in TEXT_LOCALES:
            raise ValidationError(
                _(
                    "“%(lang)s” is not a language we know (use %(known)s).",
                    lang=text,
                    known=", ".join(TEXT_LOCALES),
                )
            )
        return text


def _texts_field() -> fields.Dict:
    return fields.Dict(keys=_Language(), values=Text(max_length=MAX_TEXT), load_default=dict)


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


class _Ours(_Strict):
    name = _texts_field()
    description = _texts_field()
    slug = fields.String(load_default=None)
    scale_name = _texts_field()
    label = _texts_field()
    descriptor = _texts_field()
    is_default = fields.Boolean(load_default=False)
    is_proficient = fields.Boolean(load_default=False)


class _Extensions(_Strict):
    librarena = fields.Nested(_Ours, data_key=EXTENSION, load_default=None)


class _NodeRef(_Strict):
    identifier = fields.String(required=True)
    uri = fields.String(load_default="")
    title = fields.String(load_default="")


class CFDocumentSchema(_Strict):
    identifier = _Uuid(required=True)
    title = Text(required=True, max_length=200)
    language = _Language(load_default=None)
    description = Text(max_length=MAX_TEXT, load_default="", allow_none=False)
    notes = Text(max_length=500, load_default="", allow_none=False)
    extensions = fields.Nested(_Extensions, load_default=None)


class CFItemSchema(_Strict):
    identifier = _Uuid(required=True)
    fullStatement = Text(required=True, max_length=300)
    CFItemType = fields.String(required=True)
    humanCodingScheme = Text(max_length=32, load_default="", allow_none=False)
    notes = Text(max_length=MAX_TEXT, load_default="", allow_none=False)
    language = _Language(load_default=None)
    extensions = fields.Nested(_Extensions, load_default=None)

    @validates_schema
    def _known_type(self, data: dict[str, Any], **kwargs: Any) -> None:
        kind = data.get("CFItemType")
        if kind is not None and kind.strip().lower() not in ITEM_TYPES:
            raise ValidationError(
                _(
                    "Unknown CFItemType “%(kind)s” (use Area or Competence).",
                    kind=kind,
                ),
                "CFItemType",
            )


class CFAssociationSchema(_Strict):
    identifier = fields.String(required=True)
    associationType = fields.String(required=True)
    originNodeURI = fields.Nested(_NodeRef, required=True)
    destinationNodeURI = fields.Nested(_NodeRef, required=True)
    sequenceNumber = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _known_type(self, data: dict[str, Any], **kwargs: Any) -> None:
        kind = data.get("associationType")
        if kind is not None and kind not in ASSOCIATION_TYPES:
            raise ValidationError(
                _("Unknown associationType “%(kind)s”.", kind=kind), "associationType"
            )


class CFLevelSchema(_Strict):
    score = fields.Integer(required=True)
    quality = Text(max_length=100, load_default="", allow_none=False)
    description = Text(max_length=1000, load_default="", allow_none=False)
    extensions = fields.Nested(_Extensions, load_default=None)


class CFCriterionSchema(_Strict):
    CFRubricCriterionLevels = fields.List(fields.Nested(CFLevelSchema), load_default=list)


class CFRubricSchema(_Strict):
    title = Text(max_length=200, load_default="", allow_none=False)
    CFRubricCriteria = fields.List(fields.Nested(CFCriterionSchema), load_default=list)


def _raw_id(value: Any) -> str:
    ident = value.get("identifier") if isinstance(value, dict) else None
    return ident if isinstance(ident, str) else ""


def _load_part(schema: Schema, value: Any, path: str, problems: Problems) -> dict[str, Any] | None:
    """One part of the package loaded, or None with its problems noted under ``path``."""
    if not isinstance(value, dict):
        problems.add(path, _("%(where)s: an object is required here.", where=path))
        return None
    try:
        loaded: dict[str, Any] = schema.load(value)
    except ValidationError as exc:
        for sub, message in message_paths(exc.messages, path, root="$"):
            problems.add(sub, f"{sub}: {message}")
        return None
    return loaded


def _ours(obj: dict[str, Any]) -> dict[str, Any]:
    ext = obj.get("extensions") or {}
    return ext.get("librarena") or {}


@dataclass
class CasePackage:
    document: dict[str, Any]
    nodes: list[NodeIn]
    levels: list[services.LevelInput]
    scale_name: dict[str, str]


def parse_case(data: bytes) -> CasePackage:
    """Read and check a CFPackage; :class:`ValidationFailed` lists every problem by JSON path."""
    problems = Problems()
    text = _decode(data, problems)
    problems.raise_if_any()
    assert text is not None
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(
            _("The file was not imported; nothing was changed."),
            errors={"file": [_("The file is not valid JSON: %(e)s", e=exc)]},
        ) from exc
    if not isinstance(raw, dict):
        raise ValidationFailed(errors={"$": [_("A CFPackage is a JSON object.")]})
    if isinstance(raw.get("CFItems"), list) and len(raw["CFItems"]) > MAX_NODES:
        raise ValidationFailed(
            errors={"CFItems": [_("At most %(count)d items, please.", count=MAX_NODES)]}
        )
    document = _load_part(CFDocumentSchema(), raw.get("CFDocument"), "CFDocument", problems)
    doc_id = document["identifier"] if document else _norm(_raw_id(raw.get("CFDocument")))
    fallback = (document or {}).get("language") or "en"
    nodes: list[NodeIn] = []
    seen: dict[str, str] = {}
    # Items that failed their own checks still count as there, so associations to them are
    # not reported a second time.
    known: set[str] = set()
    raw_items = raw.get("CFItems")
    if not isinstance(raw_items, list):
        problems.add("CFItems", _("%(where)s: a list of CFItems is required.", where="CFItems"))
        raw_items = []
    for index, raw_item in enumerate(raw_items):
        where = f"CFItems[{index}]"
        known.add(_norm(_raw_id(raw_item)))
        item = _load_part(CFItemSchema(), raw_item, where, problems)
        if item is None:
            continue
        ident = item["identifier"]
        if ident in seen or ident == doc_id:
            problems.add(
                f"{where}.identifier",
                _(
                    "%(where)s: the identifier %(id)s is already used by %(other)s.",
                    where=where,
                    id=ident,
                    other=seen.get(ident, "CFDocument"),
                ),
            )
            continue
        seen[ident] = where
        ours = _ours(item)
        language = item.get("language") or fallback
        name = as_texts(ours.get("name")) or as_texts({language: item["fullStatement"]})
        description = as_texts(ours.get("description")) or as_texts({language: item["notes"]})
        if not name:
            problems.add(
                f"{where}.fullStatement", _("%(where)s: the statement is empty.", where=where)
            )
        nodes.append(
            NodeIn(
                key=ident,
                parent_key=None,
                kind=ITEM_TYPES[item["CFItemType"].strip().lower()],
                where=where,
                code=item["humanCodingScheme"].strip(),
                name=name,
                description=description,
                uuid=ident,
            )
        )
    by_key = {n.key: n for n in nodes}
    order: dict[str, int] = {}
    parent_of: dict[str, str] = {}
    raw_assocs = raw.get("CFAssociations", [])
    if not isinstance(raw_assocs, list):
        problems.add("CFAssociations", _("%(where)s: this must be a list.", where="CFAssociations"))
        raw_assocs = []
    for index, raw_assoc in enumerate(raw_assocs):
        where = f"CFAssociations[{index}]"
        assoc = _load_part(CFAssociationSchema(), raw_assoc, where, problems)
        if assoc is None or assoc["associationType"] != "isChildOf":
            continue
        origin = _norm(assoc["originNodeURI"]["identifier"])
        destination = _norm(assoc["destinationNodeURI"]["identifier"])
        if origin not in by_key:
            if origin in known:
                continue
            problems.add(
                f"{where}.originNodeURI",
                _(
                    "%(where)s: the origin %(id)s is not an item of the file.",
                    where=where,
                    id=origin,
                ),
            )
            continue
        if destination != doc_id and destination not in by_key:
            if destination in known:
                continue
            problems.add(
                f"{where}.destinationNodeURI",
                _(
                    "%(where)s: the destination %(id)s is neither an item nor the document.",
                    where=where,
                    id=destination,
                ),
            )
            continue
        if origin in parent_of:
            problems.add(
                where,
                _("%(where)s: %(id)s already has a parent.", where=where, id=origin),
            )
            continue
        parent_of[origin] = destination
        if assoc.get("sequenceNumber") is not None:
            order[origin] = assoc["sequenceNumber"]
        if destination != doc_id:
            by_key[origin].parent_key = destination
    check_tree(nodes, problems, parent_field="destinationNodeURI")
    levels: list[services.LevelInput] = []
    scale_name: dict[str, str] = {}
    raw_rubrics = raw.get("CFRubrics") or []
    rubrics = [
        _load_part(CFRubricSchema(), r, f"CFRubrics[{i}]", problems)
        for i, r in enumerate(raw_rubrics if isinstance(raw_rubrics, list) else [])
    ]
    for rubric in [r for r in rubrics if r is not None][:1]:
        scale_name = as_texts({fallback: rubric["title"]})
        for criterion in rubric["CFRubricCriteria"][:1]:
            for level in criterion["CFRubricCriterionLevels"]:
                ours = _ours(level)
                levels.append(
                    services.LevelInput(
                        value=level["score"],
                        label=as_texts(ours.get("label")) or as_texts({fallback: level["quality"]}),
                        descriptor=as_texts(ours.get("descriptor"))
                        or as_texts({fallback: level["description"]}),
                        is_default=bool(ours.get("is_default")),
                        is_proficient=bool(ours.get("is_proficient")),
                    )
                )
    problems.raise_if_any()
    assert document is not None
    # Siblings by sequenceNumber, then in file order.
    file_order = {n.key: i for i, n in enumerate(nodes)}
    nodes.sort(key=lambda n: (order.get(n.key, 10**9), file_order[n.key]))
    _set_positions(nodes)
    nodes.sort(key=lambda n: file_order[n.key])
    ours_doc = _ours(document)
    return CasePackage(
        document={
            "uuid": document["identifier"],
            "fallback_locale": fallback,
            "name": as_texts(ours_doc.get("name")) or as_texts({fallback: document["title"]}),
            "description": as_texts(ours_doc.get("description"))
            or as_texts({fallback: document["description"]}),
            "source_note": (document.get("notes") or "")[:500],
            "slug": ours_doc.get("slug"),
        },
        nodes=nodes,
        levels=levels,
        scale_name=as_texts(ours_doc.get("scale_name")) or scale_name,
    )


def _norm(identifier: str) -> str:
    try:
        return str(uuidlib.UUID(identifier))
    except ValueError:
        return identifier


def _slug_for(session: Session, wanted: str | None, title: str) -> str:
    base = wanted if wanted and services.SLUG_RE.match(wanted) else ""
    if not base:
        # "Kompetens på bibliotek" → "kompetens-pa-bibliotek": ø and æ do not decompose.
        folded = title.lower().replace("ø", "o").replace("æ", "ae")
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60] or "framework"
    slug, n = base, 1
    while session.scalar(select(Framework.id).where(Framework.slug == slug)) is not None:
        n += 1
        slug = f"{base[:70]}-{n}"
    return slug


def import_case(session: Session, data: bytes) -> Framework:
    """Create the CFDocument's framework, or update the one with its identifier."""
    package = parse_case(data)
    doc = package.document
    framework = session.scalar(select(Framework).where(Framework.uuid == doc["uuid"]))
    if framework is None:
        slug = _slug_for(session, doc["slug"], text_in(doc["name"], doc["fallback_locale"]))
        scale: Scale | None = None
        framework = services.create_framework(
            session,
            slug=slug,
            name=doc["name"],
            description=doc["description"],
            source_note=doc["source_note"],
            fallback_locale=doc["fallback_locale"],
            scale=scale,
            uuid=doc["uuid"],
        )
    else:
        framework.name = doc["name"]
        framework.description = doc["description"]
        framework.source_note = doc["source_note"]
        framework.fallback_locale = doc["fallback_locale"]
    if package.levels:
        try:
            services.save_levels(session, framework.scale, package.levels)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("The file was not imported; nothing was changed."),
                errors={f"CFRubrics[0].{k}": v for k, v in exc.errors.items()},
            ) from exc
    if package.scale_name:
        framework.scale.name = package.scale_name
    apply_tree(session, framework, package.nodes)
    framework.updated_at = utcnow()
    session.flush()
    return framework
