"""content.openapi: /api/v1/openapi.json lists every API route, with schemas where declared."""

from __future__ import annotations

from flask import Flask


def _refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value)
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_openapi_lists_every_api_route(client, app: Flask):
    doc = client.get("/api/v1/openapi.json").get_json()  # public: no sign-in
    assert doc["openapi"] == "3.0.3"
    wanted = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi.document":
            path = rule.rule
            for part in rule.arguments:
                path = path.replace(f"<int:{part}>", f"{{{part}}}").replace(
                    f"<{part}>", f"{{{part}}}"
                )
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                wanted.add((path, method.lower()))
    listed = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert wanted == listed
    assert ("/api/v1/courses/{slug}/progress", "get") in listed


def test_openapi_describes_the_content_api_and_every_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    catalogue = doc["paths"]["/api/v1/courses"]["get"]
    names = {p["name"]: p for p in catalogue["parameters"]}
    assert {"language", "topic", "max_minutes", "page", "per_page"} <= set(names)
    assert names["max_minutes"]["schema"] == {"type": "integer"}
    body = catalogue["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["items"]["items"] == {"$ref": "#/components/schemas/CourseOut"}
    progress = doc["components"]["schemas"]["ProgressOut"]["properties"]
    assert progress["completed_at"] == {"type": "string", "format": "date-time", "nullable": True}
    assert progress["items"]["items"] == {"$ref": "#/components/schemas/ProgressItemOut"}
    assert "items" not in doc["components"]["schemas"]["EnrolmentOut"]["properties"]
    slug = doc["paths"]["/api/v1/courses/{slug}"]["get"]["parameters"][0]
    assert slug == {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    for ref in _refs(doc, set()):
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][kind], ref
