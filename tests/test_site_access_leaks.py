"""No cross-school leak through shared files: everything a principal of school A can fetch from the
internal site behind real nginx (every link, the search index, the sitemap, the 404 page, every JSON)
holds no employee number that appears only at other schools."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import git
from rolebook.facts.resolve import effective_access
from rolebook.loading import load_repository
from rolebook.output.site.generate import excluded_from_search
from rolebook.policy.rules import all_rules
from site_access_support import (
    AUDITOR,
    build_internal,
    email,
    fetch,
    free_port,
    make_access_repo,
    needs_nginx,
    running_nginx,
)

pytestmark = [needs_nginx]

PRINCIPAL_A = "10000001"
SHARED_FILES = ["/search/search_index.json", "/sitemap.xml", "/sitemap.xml.gz", "/404.html",
                "/audit/people.json", "/audit/index.html", "/audit/locations.html", "/my-reports/"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "data-index") and value:
                self.found.append(value)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("leaks")
    root = make_access_repo(tmp / "repo")
    # A leaver who still has access at school B: the dashboard names them, so a shared search index would.
    staff = root / "access/staff.yaml"
    text = staff.read_text(encoding="utf-8")
    leaver = 'first_name: Zebediah, staff_type: certificated, position: Counselor, hr_status: processed'
    assert leaver in text
    staff.write_text(text.replace(leaver, leaver.replace("processed", "separated")), encoding="utf-8")
    git(root, "commit", "-q", "-am", "Zebediah Quartermaine has left")
    port = free_port()
    with running_nginx(build_internal(root, port), port, tmp / "nginx") as url:
        yield url, root


def employees_by_location(root: Path) -> dict[str, set[str]]:
    """Employee numbers with any access at each location (a cluster grant counts at each of its schools)."""
    found: dict[str, set[str]] = {}
    for access in effective_access(load_repository(root)):
        found.setdefault(access.location, set()).add(access.employee)
    return found


def crawl(url: str, identity: str) -> dict[str, bytes]:
    """Every file reachable for `identity` from the home page and the shared files: path -> body."""
    fetched: dict[str, bytes] = {}
    queue = ["/index.html", "/audit/schools/100.html", *SHARED_FILES]  # a principal is sent their report's link
    seen: set[str] = set()
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        status, body = fetch(url + path, identity)
        if status != 200:
            continue
        fetched[path] = body
        if path.endswith((".html", "/")):
            parser = Links()
            parser.feed(body.decode("utf-8", "replace"))
            for link in parser.found:
                target = urlsplit(urljoin(url + path, link))
                if target.netloc == urlsplit(url).netloc and target.path not in seen:
                    queue.append(target.path)
    return fetched


def pieces(fetched: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """(where, text) to search: each file, and each entry of the search index as the page it comes from."""
    for path, body in fetched.items():
        if path.endswith(".xlsx"):
            continue  # zipped; its rows are the CSV's, searched beside it
        text = (gzip.decompress(body) if path.endswith(".gz") else body).decode("utf-8", "replace")
        if path == "/search/search_index.json":
            for doc in json.loads(text)["docs"]:
                yield f"/{doc['location']} (search index)", json.dumps(doc)
            continue
        yield path, text


def test_principal_fetches_nothing_of_other_schools(served: tuple[str, Path]) -> None:
    url, root = served
    by_location = employees_by_location(root)
    own = by_location["100"]
    elsewhere = {e for code, people in by_location.items() if code != "100" for e in people} - own
    assert "20000001" in elsewhere and "47110816" in elsewhere  # the test's premise: B's staff
    # The rule pages print the rules' own runnable examples, which use this test district's numbers: there,
    # and only there, those numbers are documentation (the public build has the same pages).
    documented = "\n".join(rule.doc() for rule in all_rules())
    staff = load_repository(root).staff
    names = {e: [f"{staff[e].first_name} {staff[e].last_name}", f"{staff[e].last_name}, {staff[e].first_name}"]
             for e in elsewhere}
    fetched = crawl(url, email(PRINCIPAL_A))
    assert "/audit/schools/100.html" in fetched and "/search/search_index.json" in fetched
    assert "/audit/schools/security-audit-100.csv" in fetched and "/my-reports/" in fetched
    assert "/audit/people.json" not in fetched and "/audit/schools/200.html" not in fetched
    for path, text in pieces(fetched):
        suspects = {e for e in elsewhere if not (path.startswith("/rules/") and e in documented)}
        leaked = sorted(e for e in suspects if re.search(rf"(?<!\d){e}(?!\d)", text))
        leaked += sorted(name for e in suspects for name in names[e] if name in text)
        assert not leaked, f"{path} names {leaked}, who appear only at other locations"


def test_search_index_holds_no_audit_page(served: tuple[str, Path]) -> None:
    url, _ = served
    status, body = fetch(url + "/search/search_index.json", email(AUDITOR))
    assert status == 200
    locations = [doc["location"] for doc in json.loads(body)["docs"]]
    assert any(loc.startswith("roles/") for loc in locations)
    assert not [loc for loc in locations if loc.startswith("audit/")]


def test_every_audit_page_is_excluded_from_search() -> None:
    assert excluded_from_search("---\ntitle: X\n---\n\n# X\n") == "---\nsearch:\n  exclude: true\ntitle: X\n---\n\n# X\n"
    kept = "---\ntitle: X\nsearch:\n  exclude: true\n---\n# X\n"
    assert excluded_from_search(kept) == kept
    assert excluded_from_search("# X\n").startswith("---\nsearch:\n  exclude: true\n---\n")


def test_the_built_site_has_no_other_shared_json(served: tuple[str, Path]) -> None:
    """Every JSON file the build publishes is known here: a new one must be placed behind the map first."""
    _, root = served
    site = root / "build/internal/site"
    found = {p.relative_to(site).as_posix() for p in site.rglob("*.json")}
    assert found == {"search/search_index.json", "audit/people.json"}, found
