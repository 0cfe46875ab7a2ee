"""content.sanitize: real XSS payloads are neutralised; what authors need survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from content.sanitize import LESSON, RICH_TEXT, clean_html, embed_allowed, markdown_to_html, render

# Payloads from the OWASP XSS filter evasion cheat sheet and PortSwigger's XSS cheat sheet.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=javascript:alert('XSS')>",
    '<img src="jav&#x09;ascript:alert(1)" alt="x">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<p onmouseover="alert(1)">hover</p>',
    '<body onload="alert(1)">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<style>@import 'https://xss.example/x.css';</style>",
    '<svg onload="alert(1)">',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://evil.example/embed/x"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="https://xss.example/x.swf">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<img src="x` `<script>alert(1)</script>"` `>',
    '"><script>alert(1)</script>',
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    '<a href="#" onclick="alert(1)">x</a>',
    '<video><source onerror="alert(1)"></video>',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # video and captions: only this server's uploads, and nothing that runs or loads elsewhere
    '<video src="/media/1/a.mp4" onerror="alert(1)" autoplay></video>',
    '<video src="javascript:alert(1)"></video>',
    '<video src="/media/1/a.mp4" poster="javascript:alert(1)"></video>',
    '<video src="/media/1/a.mp4"><track src="javascript:alert(1)"></video>',
    '<video src="https://evil.example/a.mp4"><p>fallback</p></video>',
    '<video src="/media/1/../../admin"></video>',
    '<track src="data:text/vtt,WEBVTT" default>',
]

SAFE_TAGS = {
    *("h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd", "a"),
    *("strong", "em", "b", "i", "s", "sub", "sup", "abbr", "blockquote", "q", "cite", "code"),
    *("pre", "kbd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    *("figure", "figcaption", "img", "iframe", "video", "track"),
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "cite", "poster"}


class _Audit(HTMLParser):
    """Every tag and attribute of the output, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.problems.append(f"attribute {name}")
            if name in URL_ATTRIBUTES and value is not None:
                url = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = url.split(":", 1)[0] if ":" in url.split("/", 1)[0] else ""
                if scheme not in ("", "http", "https", "mailto"):
                    self.problems.append(f"{name}={value}")


def dangers(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("policy", [RICH_TEXT, LESSON], ids=["rich_text", "lesson"])
def test_sanitize_neutralises_xss_payload(payload: str, policy) -> None:
    cleaned = clean_html(payload, policy)
    assert dangers(cleaned) == [], cleaned
    # What comes out is stable: sanitising it again changes nothing.
    assert clean_html(cleaned, policy) == cleaned


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitize_markdown_neutralises_xss_payload(payload: str) -> None:
    for text in (payload, f"Some text\n\n{payload}\n\n[link](javascript:alert(1))"):
        html = markdown_to_html(text, LESSON)
        assert dangers(html) == [], html


def test_sanitize_script_content_is_dropped_not_shown() -> None:
    assert clean_html("<p>a<script>alert(1)</script>b</p>") == "<p>ab</p>"


def test_sanitize_keeps_what_authors_need() -> None:
    html = (
        "<h2>Title</h2><p><strong>Bold</strong> and <em>it</em></p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol>"
        "<blockquote><p>quote</p></blockquote><pre><code>code</code></pre>"
        '<table><caption>C</caption><thead><tr><th scope="col">H</th></tr></thead>'
        "<tbody><tr><td>D</td></tr></tbody></table>"
        '<figure><img src="https://img.example/a.png" alt="A chart"><figcaption>F</figcaption>'
        "</figure>"
    )
    assert clean_html(html) == html


def test_sanitize_links_get_rel_and_keep_safe_schemes() -> None:
    out = clean_html('<a href="https://bib.example/" target="_blank">x</a>')
    assert out == '<a href="https://bib.example/" rel="noopener noreferrer">x</a>'
    assert 'href="mailto:a@bib.example"' in clean_html('<a href="mailto:a@bib.example">m</a>')
    assert "href" not in clean_html('<a href="ftp://bib.example/">f</a>')


def test_sanitize_img_without_alt_gets_an_empty_one() -> None:
    assert clean_html('<img src="/a.png">') == '<img src="/a.png" alt="">'


def test_sanitize_h1_becomes_h2_one_h1_per_page() -> None:
    assert clean_html("<h1>Big</h1>") == "<h2>Big</h2>"
    assert markdown_to_html("# Big") == "<h2>Big</h2>"


def test_sanitize_embeds_only_from_allowed_hosts_and_only_in_lessons() -> None:
    ok = '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Film"></iframe>'
    out = clean_html(ok, LESSON)
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in out
    assert 'title="Film"' in out
    assert 'sandbox="allow-scripts allow-same-origin allow-presentation"' in out
    assert clean_html(ok, RICH_TEXT) == ""
    for src in (
        "https://www.youtube.com/embed/abc",  # tracking domain: not allowed
        "http://player.vimeo.com/video/1",  # not HTTPS
        "https://player.vimeo.com.evil.example/video/1",
        "https://user@player.vimeo.com/video/1",
        "https://player.vimeo.com:8443/video/1",
        "https://player.vimeo.com/other/1",
        "//player.vimeo.com/video/1",
    ):
        assert not embed_allowed(src), src
        assert "iframe" not in clean_html(f'<iframe src="{src}"></iframe>after', LESSON)
    assert embed_allowed("https://player.vimeo.com/video/76979871")
    assert embed_allowed("https://tv.nrk.no/serie/x")


def test_sanitize_markdown_renders_tables_and_code() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```", fmt="markdown")
    assert "<table>" in html
    assert '<code class="language-python">' in html


def test_sanitize_only_this_module_imports_bleach() -> None:
    from pathlib import Path

    root = Path(__file__).parents[2]
    importers = [
        path.relative_to(root).as_posix()
        for folder in ("lms", "content", "lti")
        if (root / folder).exists()
        for path in (root / folder).rglob("*.py")
        if re.search(r"^\s*(import|from)\s+bleach", path.read_text(encoding="utf-8"), re.M)
    ]
    assert importers == ["content/sanitize.py"]


def test_sanitize_audit_sees_what_it_checks() -> None:
    # The checker above must itself spot each kind of danger, or the payload tests prove nothing.
    found = dangers(
        '<a href="jav&#x61;script:x">x</a><p onclick=x style=y>y</p><script>z</script>'
        '<img src=" data:x">'
    )
    assert found == [
        "href=javascript:x",
        "attribute onclick",
        "attribute style",
        "tag script",
        "src= data:x",
    ]


def test_sanitize_keeps_captioned_video_from_own_uploads_only() -> None:
    html = (
        '<video src="/media/3/intro.mp4" autoplay>'
        '<track kind="metadata" src="/media/4/intro.vtt" srclang="sv" label="Svenska">'
        '<track src="https://evil.example/x.vtt"></video>'
    )
    cleaned = clean_html(html, LESSON)
    assert cleaned == (
        '<video src="/media/3/intro.mp4" controls preload="metadata">'
        '<track kind="captions" src="/media/4/intro.vtt" srclang="sv" label="Svenska"></video>'
    )
    # Rich text (course descriptions) has no players at all.
    assert "<video" not in clean_html(html, RICH_TEXT)
    assert "<video" not in clean_html('<video src="https://evil.example/a.mp4"></video>', LESSON)
