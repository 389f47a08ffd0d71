"""The site's "Access on past dates" pages agree with `rolebook who-has --at`, on the same real Git history
(tests/as_of_history.py): the page data, the HTML the build writes, and the dates the page offers."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from as_of_history import build_history
from conftest import REPO_ROOT, TODAY, run_cli
from rolebook.facts.history import read_history
from rolebook.loading import load_repository
from rolebook.output.site.as_of_pages import AsOfSite, Snapshot, month_ends, write_as_of_pages
from rolebook.output.site.generate import environment

ROLES = ("principal", "office-manager", "health-office", "teacher", "counselor", "district-administrator")
COMPARED = ("employee", "role", "via", "status_label", "request", "approved_by", "approved_on")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("as-of-site") / "repo")


@pytest.fixture(scope="module")
def site(history: Path) -> AsOfSite:
    return AsOfSite(load_repository(history), read_history(history), dt.date.fromisoformat(TODAY))


def cli_rows(repo: Path, day: str, school: str) -> set[tuple[str, ...]]:
    """Every role's holders at `school` at the end of `day`, as `rolebook who-has --at` gives them."""
    found: set[tuple[str, ...]] = set()
    for role in ROLES:
        result = run_cli("who-has", role, "--school", school, "--at", day, "--format", "json", "--repo", str(repo))
        assert result.returncode == 0, result.stderr
        found |= {(row["employee"], role, *(str(row[f]) for f in COMPARED[2:])) for row in json.loads(result.stdout)}
    return found


def test_the_dates_are_month_ends_and_reviews(site: AsOfSite) -> None:
    days = [(s.day.isoformat(), s.kinds) for s in site.snapshots("100")]
    assert days[:4] == [("2026-01-31", ("month end",)), ("2026-02-28", ("month end",)),
                        ("2026-03-15", ("access review",)), ("2026-03-31", ("month end",))]
    assert days[-1] == ("2026-10-31", ("month end",))
    assert all(kinds == ("month end",) for _, kinds in [(s.day, s.kinds) for s in site.snapshots("200")])
    assert month_ends(dt.date(2020, 1, 5), dt.date(2026, 11, 23))[0] == dt.date(2024, 11, 30)  # 24 at most
    assert len(month_ends(dt.date(2020, 1, 5), dt.date(2026, 11, 23))) == 24


@pytest.mark.parametrize("school", ["100", "200"])
def test_page_data_agrees_with_the_cli(history: Path, site: AsOfSite, school: str) -> None:
    snapshots = {s.day.isoformat(): s for s in site.snapshots(school)}
    days = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"] + (["2026-03-15"] if school == "100" else [])
    for day in days:
        page = {(row["employee"], role, *(str(row[f]) for f in COMPARED[2:]))
                for row in site.rows_at(school, snapshots[day]) for role in row["roles"]}  # who-has: a row per role
        assert page == cli_rows(history, day, school), day


class Rows(HTMLParser):
    """The as-of table's rows: their date indexes and cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, int, list[str]]] = []
        self.options: dict[int, str] = {}
        self._cells: list[str] | None = None
        self._in_table = False
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._in_table = found.get("id") == "rb-as-of-table"
        if tag == "option" and found.get("value") not in (None, "-1"):
            self.options[int(str(found["value"]))] = str(found["data-day"])
        if tag == "tr" and self._in_table and "data-first" in found:
            self.rows.append((int(str(found["data-first"])), int(str(found["data-last"])), []))
        if tag == "td" and self._in_table and self.rows:
            self.rows[-1][2].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][2][-1] += data


class Collected:
    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def write(self, relative: str, text: str | bytes) -> None:
        self.files[relative] = text if isinstance(text, str) else text.decode()


def test_the_html_shows_the_cli_answer_at_each_date(history: Path, site: AsOfSite) -> None:
    out = Collected()
    common: dict[str, Any] = {"repo_url": "https://github.com/org/access", "kind": "internal"}
    write_as_of_pages(environment(), out, site.repo, read_history(history), site.today, common)
    # inside the school's own folder (the access map's unit), a whole HTML file: no search index, no sitemap
    assert out.files["audit/schools/100/as-of.html"].startswith("<!doctype html>")
    parser = Rows()
    parser.feed(out.files["audit/schools/100/as-of.html"])
    index = {day: i for i, day in parser.options.items()}
    for day in ("2026-02-28", "2026-03-15", "2026-03-31"):
        at = index[day]
        # cells: employee, name, role name, access, status, expires, request, approved by, approved on, from, to
        shown = {(cells[0], cells[3], cells[4], cells[6], cells[7]) for first, last, cells in parser.rows
                 if first <= at <= last}
        expected = {(row[0], row[2], row[3], row[4], row[5]) for row in cli_rows(history, day, "100")}
        assert shown == expected, day
    teacher = [cells for _, _, cells in parser.rows if cells[0] == "10000003"]
    assert [(c[-2], c[-1]) for c in teacher] == [("2026-01-31", "2026-02-28")]  # removed on 2026-03-10
    assert '<a href="https://github.com/org/access/pull/41">PR #41</a>' in out.files["audit/schools/100/as-of.html"]


def test_snapshot_rows_follow_the_status(site: AsOfSite) -> None:
    by_day: dict[str, Snapshot] = {s.day.isoformat(): s for s in site.snapshots("200")}
    labels = {day: [r["status_label"] for r in site.rows_at("200", by_day[day]) if "principal" in r["roles"]]
              for day in ("2026-03-31", "2026-04-30")}
    assert labels == {"2026-03-31": ["Active"], "2026-04-30": ["Locked"]}


def test_the_built_site_serves_the_page_from_the_schools_own_folder(history: Path) -> None:
    shutil.copy(REPO_ROOT / "mkdocs.yml", history / "mkdocs.yml")
    result = run_cli("build", "--internal", "--repo", str(history))
    assert result.returncode == 0, result.stderr
    built = history / "build" / "internal" / "site" / "audit" / "schools" / "100" / "as-of.html"
    parser = Rows()
    parser.feed(built.read_text(encoding="utf-8"))
    at = {day: i for i, day in parser.options.items()}["2026-03-15"]
    shown = {(cells[0], cells[3], cells[6], cells[7]) for first, last, cells in parser.rows if first <= at <= last}
    expected = {(row[0], row[2], row[4], row[5]) for row in cli_rows(history, "2026-03-15", "100")}
    assert shown == expected
    assert "10000003" not in {cells[0] for first, last, cells in parser.rows if first <= at <= last}  # removed
    # The school's report links to it, by a link that resolves from the report's own folder.
    report = (history / "build" / "internal" / "site" / "audit" / "schools" / "100.html").read_text(encoding="utf-8")
    assert 'href="100/as-of.html"' in report
    assert (built.parent.parent / "100/as-of.html").resolve() == built.resolve()
