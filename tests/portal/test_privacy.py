"""Nothing private on any public page or open-data file, on the full demo data.

The portal is crawled from ``/open/`` (every link to the portal, the API, the open data and
the public notices it links to), plus every API address of every round and project; each
response's bytes (and, for JSON, its text with the escapes resolved) are searched for every
phone number, bank account, resident name and objector name stored in the demo database.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

from grants.services.portal import queries

PUBLIC_PREFIXES = ("/open", "/api/v1", "/notices/")
"""The portal, its API and open data, and the public notices it links to (their PDFs are
compressed, so searching their bytes would prove nothing; the PDF tests cover them)."""
SKIP = ("/open/manage",)
HREF = re.compile(rb'href="([^"#]+)')
MAX_PAGES = 400


def _links(path: str, body: bytes) -> set[str]:
    """The same-site public links of a page."""
    found = set()
    for raw in HREF.findall(body):
        url = urljoin(path, unescape(raw.decode()))
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith(PUBLIC_PREFIXES):
            continue
        if parts.path.startswith(SKIP) or parts.path.endswith(".pdf"):
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _api_addresses() -> set[str]:
    """Every API address of every round and funded project."""
    paths = {"/api/v1/rounds", "/api/v1/projects", "/api/v1/spending", "/api/v1/openapi.json",
             "/open/data/360giving.json", "/open/data/grants.csv"}
    for summary in queries.round_summaries():
        paths |= {f"/api/v1/rounds/{summary.id}", f"/api/v1/projects?round_id={summary.id}",
                  f"/api/v1/spending?round_id={summary.id}"}
    for row in queries.project_page(queries.ProjectFilters(), 1, 1000).rows:
        paths |= {f"/api/v1/projects/{row.award_id}", f"/api/v1/projects/{row.award_id}/spending"}
    return paths


def _texts(response) -> list[bytes]:
    """What a reader could get out of a response: its bytes, and JSON without escapes."""
    texts = [response.data]
    if response.is_json:
        texts.append(json.dumps(response.get_json(), ensure_ascii=False).encode())
    return texts


def _crawl(client) -> dict[str, list[bytes]]:
    """Every public page reachable from the portal and every API address, by path."""
    todo, seen = ["/open/", *sorted(_api_addresses())], {}
    while todo and len(seen) < MAX_PAGES:
        path = todo.pop()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        seen[path] = _texts(response)
        if response.mimetype == "text/html":
            todo.extend(sorted(_links(path, response.data) - set(seen)))
    return seen


def test_no_public_page_or_file_holds_a_private_value(demo_app, secrets):
    client = demo_app.test_client()
    pages = _crawl(client)
    assert len(pages) < MAX_PAGES, "the crawl did not finish"
    for required in ("/open/projects", "/open/needs", "/open/notices", "/open/data",
                     "/open/data/360giving.json", "/open/data/grants.csv"):
        assert required in pages, f"the crawl never reached {required}"
    assert any(path.startswith("/open/projects/") for path in pages)
    assert any(path.startswith("/open/announcements/") for path in pages)
    leaks = [f"{kind} {value!r} on {path}"
             for path, texts in pages.items() for text in texts
             for kind, values in secrets.items() for value in values
             if value.encode() in text]
    assert not leaks, "\n".join(sorted(set(leaks)))


def test_the_search_finds_a_planted_value(demo_app, secrets):
    """The check itself: a page that did print a resident's name would be caught."""
    name = sorted(secrets["resident name"])[0]
    page = f"<p>{name}</p>".encode()
    assert any(value.encode() in page for value in secrets["resident name"])
