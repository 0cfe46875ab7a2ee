"""Every string the UI shows is translated into sv, nb and da (and listed for en)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [
    ("lms/**.py", "python"),
    ("content/**.py", "python"),
    ("lti/**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> dict[str, tuple[str, ...]]:
    """Each message by its catalogue key (the singular), with its plural if it has one."""
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**": {"extensions": "jinja2.ext.i18n"}},
    ):
        ids = tuple(m for m in message if m) if isinstance(message, tuple) else (message,)
        if ids and ids[0]:
            found[ids[0]] = ids
    return found


@pytest.fixture(scope="module")
def source_messages() -> dict[str, tuple[str, ...]]:
    messages = _source_messages()
    assert len(messages) > 100  # the extraction itself works
    return messages


@pytest.mark.parametrize("locale", ["sv", "nb", "da", "en"])
def test_translations_catalogue_is_complete(locale, source_messages):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing, fuzzy, bad_placeholders = [], [], []
    for msgid, ids in sorted(source_messages.items()):
        entry = catalog.get(msgid)
        if entry is None:
            missing.append(msgid)
            continue
        forms = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if locale != "en" and not all(forms):  # English is the source: empty means as is
            missing.append(msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(msgid)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        if any(form and set(PLACEHOLDER.findall(form)) != wanted for form in forms):
            bad_placeholders.append(msgid)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{locale}: fuzzy entries {fuzzy[:5]}"
    assert not bad_placeholders, f"{locale}: placeholders differ in {bad_placeholders[:5]}"


@pytest.mark.parametrize(
    ("locale", "sign_in"),
    [
        ("sv", "Logga in"),
        ("nb", "Logg inn"),
        ("da", "Log ind"),
        ("en", "Sign in"),
    ],
)
def test_translations_pages_speak_the_chosen_language(client, locale, sign_in):
    client.post("/language", data={"locale": locale})
    page = client.get("/login").get_data(as_text=True)
    assert f"<h1>{sign_in}</h1>" in page


def test_translations_form_errors_are_translated(client):
    client.post("/language", data={"locale": "sv"})
    page = client.post("/login", data={}).get_data(as_text=True)
    assert "This field is required." not in page
    assert "Det här fältet är obligatoriskt." in page
