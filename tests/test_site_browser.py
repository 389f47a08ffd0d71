"""The built site in headless Chromium: search, role pages, audit downloads, no XSS, no third-party
requests, no console errors, and no serious or critical axe-core (WCAG 2.1 AA) violation."""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from test_site_build import HOSTILE_EMPLOYEE, HOSTILE_FIRST, HOSTILE_LAST, make_site_repo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                       "(apt-get install -y chromium)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def served_site(tmp_path_factory: pytest.TempPathFactory, kind: str) -> Iterator[str]:
    """Build the demo-like site of `kind` (public or internal) and serve it on 127.0.0.1: its URL."""
    root = make_site_repo(tmp_path_factory.mktemp(kind) / "repo")
    result = run_cli("build", f"--{kind}", "--repo", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(root / "build" / kind / "site")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from served_site(tmp_path_factory, "internal")


def launched_browser() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launched_browser()


class Watched:
    """A page with its console errors, page errors, dialogs and requests that left the site recorded."""

    def __init__(self, browser: object, base_url: str):
        self.context = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.context.route("**/*", self._route)

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    def _route(self, route: object, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.external.append(url)
            route.abort()  # type: ignore[attr-defined]

    def open(self, path: str) -> object:
        self.page.goto(self.base_url + path, wait_until="networkidle")
        return self.page

    def assert_clean(self) -> None:
        assert not self.external, f"third-party requests: {self.external}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"dialogs fired: {self.dialogs}"


@pytest.fixture
def watched(browser: object, base_url: str) -> Iterator[Watched]:
    page = Watched(browser, base_url)
    yield page
    page.context.close()


def test_search_finds_counselor(watched: Watched) -> None:
    page = watched.open("roles/index.html")
    page.keyboard.press("/")  # Material's shortcut: focus the search box
    page.keyboard.type("Counselor")
    result = page.locator('.md-search-result__item > a[href$="roles/counselor.html"]')
    result.wait_for(timeout=15000)
    assert "Counselor" in result.inner_text()
    search = page.locator("input.md-search__input")
    for query, role in (("Master Scheduling", "counselor"), ("Counselors and designated", "counselor"),
                        ("transcripts", "counselor-plus")):  # journey 3: a counselor looks for transcripts
        search.fill(query)  # by module, by type of user
        page.locator(f'.md-search-result__item a[href$="roles/{role}.html"]').first.wait_for(
            state="attached", timeout=15000)
    watched.assert_clean()


def test_role_page_shows_security_level_and_quota(watched: Watched) -> None:
    page = watched.open("roles/counselor.html")
    assert page.locator("h1").inner_text().strip() == "Counselor"
    badge = page.locator(".rb-level").first
    assert badge.inner_text() == "Moderate"
    assert "1 per 500 students" in page.locator(".rb-quota").inner_text()
    watched.assert_clean()


def test_audit_page_table_and_downloads(watched: Watched, tmp_path: Path) -> None:
    page = watched.open("audit/schools/100.html")
    table = page.locator("#rb-audit-table")
    assert table.locator("tbody tr").count() >= 4
    row = table.locator("tr", has_text=HOSTILE_EMPLOYEE)
    assert HOSTILE_LAST in row.inner_text()  # shown as text, not run
    assert "PR #42: no approval recorded" in row.inner_text()
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download CSV").click()
    csv_path = tmp_path / "report.csv"
    csv_download.value.save_as(csv_path)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Location Code"
    assert next(r for r in rows if r[1] == HOSTILE_EMPLOYEE)[5] == "'" + HOSTILE_FIRST
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Download XLSX").click()
    xlsx_path = tmp_path / "report.xlsx"
    xlsx_download.value.save_as(xlsx_path)
    values = [[c.value for c in r] for r in openpyxl.load_workbook(xlsx_path).active.iter_rows()]
    assert next(r for r in values if r[1] == HOSTILE_EMPLOYEE)[5] == "'" + HOSTILE_FIRST
    watched.assert_clean()


def test_people_lookup_shows_hostile_name_as_text(watched: Watched) -> None:
    page = watched.open("audit/people.html")
    page.locator("#rb-people-query").fill("script")
    card = page.locator(".rb-person").first
    card.wait_for(timeout=10000)
    assert HOSTILE_LAST in card.inner_text() and "Maple Elementary" in card.inner_text()
    page.locator("#rb-people-query").fill(HOSTILE_EMPLOYEE)
    page.locator(".rb-person", has_text=HOSTILE_EMPLOYEE).wait_for(timeout=10000)
    watched.assert_clean()


def test_diagrams_are_drawn_with_the_shipped_mermaid(watched: Watched) -> None:
    for path in ("guides/how-to-request.html", "guides/how-to-approve.html"):
        page = watched.open(path)
        page.locator(".rb-diagram svg").first.wait_for(timeout=15000)
    watched.assert_clean()


@pytest.mark.parametrize("path", ["roles/index.html", "roles/counselor.html", "audit/schools/100.html",
                                  "audit/index.html"])
def test_no_serious_accessibility_violations(watched: Watched, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = watched.open(path)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
           if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{path}: {bad}"
    watched.assert_clean()


def test_audit_page_prints_as_the_report(watched: Watched, tmp_path: Path) -> None:
    """Journey 4: the auditor prints the Security Audit Report as PDF: the report, without the site around it."""
    page = watched.open("audit/schools/100.html")
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-sidebar--primary", ".rb-downloads"):
        assert page.locator(chrome).first.evaluate("e => getComputedStyle(e).display") == "none", chrome
    assert page.locator("#rb-audit-table").is_visible()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), landscape=True)  # headless Chromium's own print to PDF
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    watched.assert_clean()
