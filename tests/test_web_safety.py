"""Web safety rules that hold for every template, script and response, checked through the
real app (TestClient) and over the files themselves, so a new template or script that
breaks one fails here: record URLs are linked only when http(s), pages carry no inline
script or event handler, scripts never hand record text to an HTML sink, and every
response carries the security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _hostile import DESIGN_REPO, EVIL_EMAIL, EVIL_URL, GOOD_REPO, hostile_store
from refaire.app import create_app
from refaire.web.links import ext_link, mail_link, safe_href, safe_mailto

WEB = Path(__file__).resolve().parents[1] / "src" / "refaire" / "web"
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SCRIPTS = sorted((WEB / "static" / "js").glob("*.js"))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "/relative/path",
        "../up",
        "file:///etc/passwd",
        "https://",
        "http:evil.example",
        "https://exa mple.org",
        "",
        None,
        42,
    ],
)
def test_only_http_urls_become_hrefs(url) -> None:
    assert safe_href(url) is None
    html = str(ext_link(url, "label"))
    assert "<a" not in html and "label" in html


@pytest.mark.parametrize(
    "url", ["https://github.com/a/b", "http://example.org/x?y=1&z=2", "HTTPS://EXAMPLE.ORG"]
)
def test_http_urls_are_linked_escaped(url) -> None:
    assert safe_href(url) == url
    html = str(ext_link(url, '<b>"name"</b>'))
    assert html.startswith('<a href="') and "&lt;b&gt;&#34;name&#34;&lt;/b&gt;" in html
    assert "&amp;" in html or "&" not in url


def test_contact_addresses() -> None:
    assert safe_mailto("lab@example.org") == "mailto:lab@example.org"
    assert str(mail_link("lab@example.org")) == (
        '<a href="mailto:lab@example.org">lab@example.org</a>'
    )
    for bad in (EVIL_EMAIL, "javascript:x@y.org", "a@b", "a b@c.org", None):
        assert safe_mailto(bad) is None
        assert "<a" not in str(mail_link(bad))
    assert "&#34;" in str(mail_link(EVIL_EMAIL))


def test_templates_link_record_urls_only_through_ext_link() -> None:
    """An href from a variable is either a site path or url_with(...): record URLs go
    through ext_link/mail_link, which decide whether they may be links."""
    dynamic = re.compile(r'href="\{\{(?!\s*url_with\()')
    for path in TEMPLATES:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not dynamic.search(line), f"{path.name}:{n}: {line.strip()}"


def test_templates_have_no_inline_script_or_handler() -> None:
    """The CSP refuses inline scripts: every script is a file under /static."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    for path in TEMPLATES:
        text = path.read_text()
        assert not inline.search(text), f"{path.name}: inline <script>"
        assert not handler.search(text), f"{path.name}: inline event handler"
        assert "javascript:" not in text, f"{path.name}: javascript: URL"


def test_scripts_give_no_record_text_to_html_sinks() -> None:
    """Scripts build DOM nodes with textContent; Leaflet's tooltips and popups, which take
    a string as HTML, receive nodes."""
    sinks = re.compile(
        r"\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|"
        r"bind(Tooltip|Popup)\(\s*(p|c|d)\b[.\[]"
    )
    assert SCRIPTS
    for path in SCRIPTS:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not sinks.search(line), f"{path.name}:{n}: {line.strip()}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store, facility_id, design_id = hostile_store(str(tmp_path_factory.mktemp("ws") / "h.db"))
    with TestClient(create_app(store=store)) as c:
        yield c, facility_id, design_id
    store.close()


def test_record_urls_on_pages(client) -> None:
    c, facility_id, design_id = client
    facility = c.get(f"/facilities/{facility_id}?lang=en").text
    assert EVIL_URL in facility and f'href="{EVIL_URL}' not in facility
    assert "mailto:" not in facility
    design = c.get(f"/designs/{design_id}?lang=en").text
    assert DESIGN_REPO in design and 'href="javascript:' not in design
    assert 'href="data:' not in design and 'href="//evil' not in design
    assert "data:text/html,&lt;script&gt;" in design
    good = c.get("/designs/t:good").text
    assert f'<a href="{GOOD_REPO}" rel="nofollow noopener">' in good
    observatory = c.get("/observatory").text
    assert 'href="javascript:' not in observatory and 'href="data:' not in observatory


def test_security_headers_on_every_kind_of_response(client) -> None:
    c, facility_id, design_id = client
    responses = [
        c.get("/"),
        c.get(f"/designs/{design_id}"),
        c.get("/designs/999999"),  # an error page
        c.get("/api/designs"),
        c.get("/api/designs/999999"),  # an API error
        c.get("/api/observatory/sectors.csv"),
        c.get("/static/refaire.css"),
        c.get("/static/js/map.js"),
        c.get("/api/docs"),
        c.get("/api/openapi.json"),
        c.post("/api/designs"),  # 405
    ]
    for r in responses:
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, r.url
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert r.headers["x-frame-options"] == "DENY"


def test_api_docs_are_served_from_this_server(client) -> None:
    c, _f, _d = client
    page = c.get("/api/docs")
    assert page.status_code == 200
    assert "<script>" not in page.text and "cdn." not in page.text
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert c.get(src).status_code == 200, src
