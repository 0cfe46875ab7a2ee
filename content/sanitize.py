"""All HTML that people author passes through here, and only here: the one importer of bleach.

Authored text is sanitised **on write** with a named allowlist; templates may then mark those
columns ``|safe`` and nothing else. Markdown is rendered to HTML first and sanitised the same way,
so both formats end as the same, safe HTML.

Two policies:

- :data:`RICH_TEXT` — headings, paragraphs, lists, links, tables, figures with images, code,
  quotations, emphasis. Links get ``rel="noopener noreferrer"`` and only http, https and mailto;
  images need an ``alt`` (one without gets ``alt=""``, which marks it decorative).
- :data:`LESSON` — rich text plus video embeds: ``<iframe>`` only from the hosts in
  :data:`EMBED_HOSTS`, over HTTPS; and ``<video>`` with caption ``<track>`` only from this
  server's own uploads (:data:`OWN_MEDIA`). bleach checks a URL's scheme, not its host, so
  the host is checked in :class:`_PolicyFilter` after bleach has done its part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt


@dataclass(frozen=True, eq=False)  # compared and cached by identity
class Policy:
    """A named allowlist: which tags, which attributes per tag, which URL schemes."""

    name: str
    tags: frozenset[str]
    attributes: dict[str, list[str]]
    protocols: frozenset[str] = frozenset({"http", "https", "mailto"})
    embeds: bool = False


# Elements dropped together with everything inside them. They pass bleach's allowlist only so
# that this module's filter sees where they end; none of them ever reaches the output.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "svg", "math", "object", "embed", "textarea"}
)

_TEXT_TAGS = frozenset(
    {
        "h1",  # turned into h2: a page has one h1, the page's own title
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "a",
        "strong",
        "em",
        "b",
        "i",
        "s",
        "sub",
        "sup",
        "abbr",
        "blockquote",
        "q",
        "cite",
        "code",
        "pre",
        "kbd",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "figure",
        "figcaption",
        "img",
    }
)
_TEXT_ATTRIBUTES = {
    "a": ["href", "title", "hreflang", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "width", "height"],
    "th": ["scope", "colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "ol": ["start", "reversed"],
    "code": ["class"],  # language-xyz from fenced Markdown code
    "q": ["cite"],
    "blockquote": ["cite"],
}

RICH_TEXT = Policy("rich_text", tags=_TEXT_TAGS | _DROP_WITH_CONTENT, attributes=_TEXT_ATTRIBUTES)
LESSON = Policy(
    "lesson",
    tags=_TEXT_TAGS | _DROP_WITH_CONTENT | {"iframe", "video", "track"},
    attributes={
        **_TEXT_ATTRIBUTES,
        "iframe": ["src", "title", "width", "height", "allowfullscreen"],
        "video": ["src", "controls", "width", "height"],
        "track": ["kind", "src", "srclang", "label", "default"],
    },
    embeds=True,
)

#: Uploaded media as lessons point at them (``content.courses.media.url_of``): this server's
#: own files only, so a ``<video>`` or ``<track>`` never loads anything from elsewhere.
OWN_MEDIA = re.compile(r"^/media/\d+/[^/?#\\]+$")
_TRACK_KINDS = frozenset({"captions", "subtitles", "descriptions", "chapters"})

#: Video hosts whose players may be embedded: host → the path their embeddable players live
#: under. Privacy first: YouTube only through its no-cookie domain. The Nordic public
#: broadcasters' players (SVT, UR, NRK, DR) host much of the programme's teaching material.
EMBED_HOSTS: dict[str, str] = {
    "www.youtube-nocookie.com": "/embed/",
    "player.vimeo.com": "/video/",
    "www.svtplay.se": "/",
    "embed.svt.se": "/",
    "urplay.se": "/",
    "tv.nrk.no": "/",
    "www.dr.dk": "/drtv/",
}

#: What the Content-Security-Policy must allow for embeds to load (``frame-src``).
FRAME_SOURCES = " ".join(f"https://{host}" for host in EMBED_HOSTS)


def content_security_policy() -> str:
    """The app's own policy, plus the video hosts lessons may embed and images over HTTPS."""
    return (
        "default-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-src {FRAME_SOURCES}"
    )


def embed_allowed(src: str) -> bool:
    """True for an HTTPS URL of an allowed video host's player (no credentials, no port)."""
    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return False
    if parts.scheme != "https" or parts.username or parts.password or parts.port:
        return False
    prefix = EMBED_HOSTS.get((parts.hostname or "").lower())
    return prefix is not None and parts.path.startswith(prefix)


def _attr(token: dict[str, Any], name: str) -> str | None:
    value = token.get("data", {}).get((None, name))
    return value if isinstance(value, str) else None


class _PolicyFilter(Filter):
    """What bleach's allowlist cannot say: runs on bleach's output tokens.

    Drops whole elements that must not keep their content, drops iframes from other hosts,
    fixes link rel, image alt, iframe title and sandbox, and turns h1 into h2.
    """

    embeds = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        skipping: str | None = None
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            name = token.get("name")
            if skipping is not None:
                if name == skipping and kind == "StartTag":
                    depth += 1
                elif name == skipping and kind == "EndTag":
                    depth -= 1
                    if depth == 0:
                        skipping = None
                continue
            if kind in ("StartTag", "EmptyTag"):
                if (
                    name in _DROP_WITH_CONTENT
                    or (name == "iframe" and not self._embed_ok(token))
                    or (name in ("video", "track") and not self._own_media(token))
                ):
                    if kind == "StartTag":
                        skipping, depth = name, 1
                    continue
                self._fix(token)
            elif kind == "EndTag":
                if name in _DROP_WITH_CONTENT:
                    continue
                if name == "h1":
                    token["name"] = "h2"
            yield token

    def _embed_ok(self, token: dict[str, Any]) -> bool:
        src = _attr(token, "src")
        return self.embeds and src is not None and embed_allowed(src)

    def _own_media(self, token: dict[str, Any]) -> bool:
        src = _attr(token, "src")
        return self.embeds and src is not None and OWN_MEDIA.match(src.strip()) is not None

    def _fix(self, token: dict[str, Any]) -> None:
        data: dict[tuple[str | None, str], str] = dict(token.get("data") or {})
        name = token["name"]
        if name == "h1":
            token["name"] = "h2"
        elif name == "a":
            # A link that opens elsewhere must not reach back into this page (window.opener)
            # nor tell the other site where the reader came from.
            data[None, "rel"] = "noopener noreferrer"
        elif name == "img":
            # No alt is not allowed (WCAG 1.1.1); an empty one says "decorative".
            data.setdefault((None, "alt"), "")
        elif name == "iframe":
            data.setdefault((None, "title"), "Video")
            data[None, "loading"] = "lazy"
            data[None, "referrerpolicy"] = "strict-origin-when-cross-origin"
            data[None, "sandbox"] = "allow-scripts allow-same-origin allow-presentation"
        elif name == "video":
            # Players need their controls (keyboard users, WCAG 2.1.1); nothing plays by itself.
            data[None, "controls"] = ""
            data[None, "preload"] = "metadata"
        elif name == "track":
            if data.get((None, "kind")) not in _TRACK_KINDS:
                data[None, "kind"] = "captions"
        elif name == "code":
            css = data.get((None, "class"), "")
            if not all(part.startswith("language-") for part in css.split()):
                data.pop((None, "class"), None)
        token["data"] = data


@cache
def _cleaner(policy: Policy) -> bleach.Cleaner:
    filter_cls = type(f"_{policy.name}_filter", (_PolicyFilter,), {"embeds": policy.embeds})
    return bleach.Cleaner(
        tags=policy.tags,
        attributes=policy.attributes,
        protocols=policy.protocols,
        strip=True,
        strip_comments=True,
        filters=[filter_cls],
    )


def clean_html(html: str, policy: Policy = RICH_TEXT) -> str:
    """Sanitised ``html``: only what ``policy`` allows is left."""
    return _cleaner(policy).clean(html or "").strip()


@cache
def _markdown() -> MarkdownIt:
    # CommonMark, plus tables; raw HTML in Markdown is allowed because it is sanitised after.
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def markdown_to_html(text: str, policy: Policy = RICH_TEXT) -> str:
    """Markdown rendered to HTML, then sanitised with ``policy``."""
    return clean_html(_markdown().render(text or ""), policy)


def render(text: str, *, fmt: str, policy: Policy = RICH_TEXT) -> str:
    """Authored ``text`` as safe HTML; ``fmt`` is ``"markdown"`` or ``"html"``."""
    if fmt == "markdown":
        return markdown_to_html(text, policy)
    return clean_html(text, policy)
