"""Nothing private on any public page or open-data file, on the full demo data.

Every public area is crawled — the portal from ``/open/``, the home page, the rounds, the
needs, the public notices and evaluation results notices, the provider league tables and the
audit log's public routes, following every link among them — plus every API address of every
round and project. Each response's bytes (for JSON also its text with the escapes resolved,
for a PDF its extracted text) are searched for every phone number, bank account, resident
name, objector name and beneficiary stored in the demo database.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pypdf

from grants.services.portal import queries

PUBLIC_PREFIXES = ("/open", "/api/v1", "/notices/", "/rounds/", "/needs/", "/followup/league",
                   "/evaluations/notices/", "/log/")
"""Every area anyone can read without signing in."""
SKIP = ("/open/manage", "/needs/new", "/log/entries.jsonl")
"""Staff pages, forms that ask for a login, and the auditors' full export of the log."""
START = ("/", "/open/", "/rounds/", "/needs/", "/followup/league", "/log/")
HREF = re.compile(rb'href="([^"#]+)')
MAX_PAGES = 400


def _links(path: str, body: bytes) -> set[str]:
    """The same-site public links of a page."""
    found = set()
    for raw in HREF.findall(body):
        url = urljoin(path, unescape(raw.decode()))
        parts = urlsplit(url)
        if parts.netloc or not (parts.path == "/" or parts.path.startswith(PUBLIC_PREFIXES)):
            continue
        if parts.path.startswith(SKIP):
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
    """What a reader could get out of a response: its bytes, JSON without escapes, and the
    text of a PDF (its bytes are compressed), with and without its line breaks."""
    texts = [response.data]
    if response.mimetype == "application/pdf":
        pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
        text = "".join(page.extract_text() for page in pages)
        texts += [text.encode(), text.replace("\n", "").encode()]
    if response.is_json:
        texts.append(json.dumps(response.get_json(), ensure_ascii=False).encode())
    return texts


def _crawl(client) -> dict[str, list[bytes]]:
    """Every public page reachable from the portal and every API address, by path."""
    todo, seen = [*START, *sorted(_api_addresses())], {}
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
                     "/open/data/360giving.json", "/open/data/grants.csv", "/log/checkpoint",
                     "/log/hashes.jsonl"):
        assert required in pages, f"the crawl never reached {required}"
    for area in ("/open/projects/", "/open/announcements/", "/needs/", "/rounds/",
                 "/evaluations/notices/", "/followup/league/"):
        assert any(path.startswith(area) and path != area for path in pages), area
    assert any(path.endswith(".pdf") for path in pages), "no public PDF was read"
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
