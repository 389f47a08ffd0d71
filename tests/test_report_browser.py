"""The Security Audit Report is readable at 1,280 px: headless Chromium on the demo's largest school page.

The demo district (access/ and roles/ of this repository) is copied into a fresh Git repository with
one apply run on record, so the page shows every column it can (Live since included), and built with
the real CLI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import REPO_ROOT, git, git_init, run_cli
from test_site_browser import CHROMIUM, free_port, launched_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                       "(apt-get install -y chromium)"),
    pytest.mark.skipif(not (REPO_ROOT / "access" / "district.yaml").is_file(),
                       reason="the demo district (access/ at the repository root) is not generated yet"),
]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo's internal site served on 127.0.0.1: (base URL, the largest school's page)."""
    root = tmp_path_factory.mktemp("report-width") / "repo"
    root.mkdir()
    for folder in ("access", "roles", "site"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    git_init(root)
    head = git(root, "rev-parse", "HEAD")
    run = {"target": "scim https://scim.example/v2", "commit": head, "base": None, "started": "2026-11-05T09:00:00Z",
           "finished": "2026-11-05T09:00:00Z", "result": "complete", "counts": {}, "created_users": {}}
    git(root, "notes", "--ref=rolebook-apply", "add", "-m", json.dumps(run), head)
    built = run_cli("build", "--internal", "--repo", str(root), env={"NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    site = root / "build/internal/site"
    sizes = {page: len(re.findall(r'<tr class="rb-row--', page.read_text(encoding="utf-8")))
             for page in (site / "audit/schools").glob("*.html")}
    largest = max(sizes, key=lambda page: sizes[page])
    assert sizes[largest] >= 20, "the demo's largest school has a page of rows"
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url, largest.relative_to(site).as_posix()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launched_browser()


def test_the_largest_report_fits_1280_px_without_scrolling_sideways(demo_site: tuple[str, str],
                                                                    browser: object) -> None:
    url, path = demo_site
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        page.goto(url + path)
        table = page.locator("#rb-audit-table")
        assert table.locator("tbody tr").count() >= 20
        assert page.locator("#rb-audit-table thead th", has_text="Live since").count() == 1  # every column shown
        widths = page.evaluate("""() => {
            const root = document.documentElement, table = document.getElementById("rb-audit-table");
            const frame = table.parentElement;
            return {page: root.scrollWidth, viewport: root.clientWidth, table: table.scrollWidth,
                    frame: frame.clientWidth, frameScroll: frame.scrollWidth};
        }""")
        assert widths["page"] <= widths["viewport"], widths
        assert widths["table"] <= widths["frame"] and widths["frameScroll"] <= widths["frame"], widths
        # Every district column is its own visible column; Rolebook's facts share the details cell.
        headers = table.locator("thead th").all_inner_texts()
        assert [" ".join(h.split()) for h in headers[:9]] == [
            "Location Code", "Employee Number", "School Name", "User Role(s)", "Last Name", "First Name",
            "Last Login Date", "Staff Type", "Status"]
        first = table.locator("tbody tr").first
        assert first.locator("td.rb-details dt", has_text="Approved by").is_visible()
    finally:
        page.close()


def test_person_lookup_shows_status_approval_and_live_since(demo_site: tuple[str, str], browser: object) -> None:
    url, path = demo_site
    page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        page.goto(url + path)
        employee = page.locator("#rb-audit-table tbody tr td:nth-child(2)").first.inner_text().strip()
        page.goto(url + "audit/people.html")
        page.locator("#rb-people-query").fill(employee)
        card = page.locator(".rb-person", has_text=employee)
        card.wait_for(timeout=10000)
        headers = [" ".join(h.split()) for h in card.locator("thead th").all_inner_texts()]
        assert headers == ["Location", "Role", "Access", "Expires", "Status", "Approved by", "Live since",
                           "Grant file"]
        text = card.inner_text()
        assert "Before Rolebook: imported on " in text and "2026-11-05" in text  # the demo's one commit, applied
        # The index names locations, roles and files by number: the lookup shows them by name.
        first = card.locator("tbody tr").first
        place = first.locator("td").first
        assert re.fullmatch(r".+ \(\w+\)", place.inner_text().strip())
        assert (place.locator("a").get_attribute("href") or "").endswith(".html")
        assert first.locator("td").nth(7).inner_text().strip().startswith("access/")
        assert not re.fullmatch(r"\d+", first.locator("td").nth(1).inner_text().strip())  # a role's name
    finally:
        page.close()
