"""A build that reuses the last build's report tables and downloads is the build made from nothing.

The mini district is changed step by step in a random order (a grant added, removed and changed, a person
renamed, a role renamed, an apply record added as a Git note, the date moved on); after each step the
internal site is built twice: in a folder that keeps its cache from build to build, and in a new folder.
The two trees (the rendered docs, the report bodies, the manifest and the site MkDocs built) must be equal
file by file, and the reused build must actually have reused the reports the step did not touch.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from conftest import git, run_cli
from rolebook.output.site import generate_site, run_mkdocs
from rolebook.output.site.exports import xlsx_bytes
from rolebook.output.site.generate import CACHE_DIR
from test_site_build import make_site_repo

TODAY = dt.date(2026, 11, 23)
BUILT_AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
COMPARED = ("docs", "theme", "site", "report-pages.json", "readers.json", "mkdocs.yml")
NEW_GRANT = """  - employee: "20000002"
    roles: [teacher]
    granted: 2026-11-02
    expires: 2027-07-31
    reason: Covers a class
"""


def tree(out: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in COMPARED:
        path = out / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            found[file.relative_to(out).as_posix()] = file.read_bytes()
    return found


def build(repo: Path, out: Path, today: dt.date) -> dict[str, bytes]:
    run_mkdocs(generate_site(repo, "internal", out, today=today, built_at=BUILT_AT))
    return tree(out)


def edit(repo: Path, relative: str, change: Callable[[str], str], message: str) -> None:
    path = repo / relative
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, relative
    path.write_text(after, encoding="utf-8")
    git(repo, "commit", "-q", "-am", message)


def add_grant(repo: Path) -> None:
    edit(repo, "access/schools/100/grants.yaml", lambda text: text + NEW_GRANT, "Grant Teacher at 100")


def remove_grant(repo: Path) -> None:
    edit(repo, "access/schools/200/grants.yaml", lambda text: text.replace(
        '  - employee: "20000003"\n    roles: [office-manager]\n    granted: 2026-08-01\n    expires: 2027-07-31\n',
        ""), "Revoke Office Manager at 200")


def change_grant(repo: Path) -> None:
    edit(repo, "access/schools/200/grants.yaml", lambda text: text.replace(
        '  - employee: "20000001"\n    roles: [principal]\n    granted: 2026-08-01\n    expires: 2027-07-31\n',
        '  - employee: "20000001"\n    roles: [principal]\n    granted: 2026-08-01\n    expires: 2026-12-15\n'),
        "Principal of 200 until December")


def rename_person(repo: Path) -> None:
    edit(repo, "access/staff.yaml", lambda text: text.replace("last_name: Rivera", "last_name: Rivera-Lopez"),
         "Rosa Rivera's new name")


def rename_role(repo: Path) -> None:
    edit(repo, "roles/teacher.yaml", lambda text: text.replace("\nname: Teacher\n", "\nname: Classroom Teacher\n"),
         "Teacher is now Classroom Teacher")


def add_apply_note(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    run = {"target": "scim https://scim.example/v2", "commit": head, "base": None,
           "started": "2026-11-22T10:00:00Z", "finished": "2026-11-22T10:00:05Z", "result": "complete",
           "counts": {}, "created_users": {}}
    git(repo, "notes", "--ref=rolebook-apply", "add", "-f", "-m", json.dumps(run), head)


CHANGES: list[Callable[[Path], None]] = [add_grant, remove_grant, change_grant, rename_person, rename_role,
                                         add_apply_note]


def kept_entries(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / CACHE_DIR).iterdir()}


def test_a_build_reusing_the_last_one_equals_a_build_from_nothing(tmp_path: Path) -> None:
    repo = make_site_repo(tmp_path / "repo")
    reused = tmp_path / "reused"
    build(repo, reused, TODAY)
    first = kept_entries(reused)
    locations = {"schools-100", "schools-200", "offices-ITD", "offices-SPEDOPS"}
    assert set(first) == locations | {f"as-of-{name}{suffix}" for name in locations for suffix in ("", ".by-commits")}

    # One grant at 100: only 100's report and as-of page are made again (tests/test_as_of_cache.py proves
    # the as-of pages on a dated history), and the site is the one made from nothing.
    add_grant(repo)
    assert build(repo, reused, TODAY) == build(repo, tmp_path / "fresh-0", TODAY)
    again = kept_entries(reused)
    made_again = {"schools-100", "as-of-schools-100", "as-of-schools-100.by-commits"}
    assert all(again[name] != first[name] for name in made_again)
    assert {k: v for k, v in again.items() if k not in made_again} == {
        k: v for k, v in first.items() if k not in made_again}

    steps = CHANGES[1:]
    random.Random(17).shuffle(steps)
    today = TODAY
    for number, step in enumerate([*steps, "date"], start=1):
        if step == "date":
            today = TODAY + dt.timedelta(days=30)  # the principal of 200 expires on 2026-12-15
        else:
            assert callable(step)
            step(repo)
        incremental = build(repo, reused, today)
        fresh = build(repo, tmp_path / f"fresh-{number}", today)
        assert incremental.keys() == fresh.keys(), step
        different = [name for name in fresh if incremental[name] != fresh[name]]
        assert not different, (step, different)
    assert '<tr class="rb-row--inactive"><td>200</td><td>20000001</td>' in fresh["site/audit/schools/200.html"].decode()
    assert "Classroom Teacher" in fresh["site/audit/schools/100.html"].decode()
    assert not any("rolebook-shell" in name for name in fresh if name.startswith("site/"))


def test_each_report_page_is_laid_out_by_the_theme_around_its_own_report(tmp_path: Path) -> None:
    repo = make_site_repo(tmp_path / "repo")
    out = tmp_path / "out"
    build(repo, out, TODAY)
    site = out / "site"
    assert not (site / "audit/schools/rolebook-shell.html").exists()
    page = (site / "audit/schools/100.html").read_text(encoding="utf-8")
    assert "<title>Security Audit Report: Maple Elementary - " in page
    assert '<h1 id="security-audit-report">Security Audit Report: Maple Elementary</h1>' in page
    assert '<a href="#security-audit-report" class="md-skip">' in page
    assert page.count('<table class="rb-table rb-audit" id="rb-audit-table">') == 1
    assert 'href="../../assets/stylesheets/' in page and "Rolebook" not in page.split("<body")[0].split("<title>")[0]
    assert "Built from commit" in page and "Download XLSX" in page


def test_the_workbook_reads_back_as_its_rows(tmp_path: Path) -> None:
    header = ["Last Name", "First Name", "Note"]
    rows = [["=1+1", "Zoë", " padded "], ["-2", "@SUM(A1)", "a & b <c>"], ["Ng", "", "line\nbreak"]]
    data = xlsx_bytes("Report: A & B", header, rows, [("Built at", "2026-11-23"), ("Formula", "=x")])
    assert data == xlsx_bytes("Report: A & B", header, rows, [("Built at", "2026-11-23"), ("Formula", "=x")])
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Security Audit Report" and sheet.freeze_panes == "A6" and sheet.auto_filter.ref == "A5:C8"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        ["Report: A & B", None, None], ["Built at", "2026-11-23", None], ["Formula", "'=x", None],
        [None, None, None], header,
        ["'=1+1", "Zoë", " padded "], ["'-2", "'@SUM(A1)", "a & b <c>"], ["Ng", None, "line\nbreak"]]
    assert sheet["A5"].font.b and not sheet["A6"].font.b and sheet["A1"].font.b
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=6) for cell in row if cell.value)


def test_a_rebuild_leaves_no_old_folder_behind(tmp_path: Path) -> None:
    """The last build's docs and site are moved aside and removed by threads while the new build runs."""
    repo = make_site_repo(tmp_path / "repo")
    out = repo / "build" / "internal"
    for _ in range(2):
        result = run_cli("build", "--internal", "--repo", str(repo), env={"NO_MKDOCS_2_WARNING": "1"})
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".old")) == []
    assert (out / "site" / "audit" / "schools" / "100.html").is_file()


def test_the_command_waits_for_its_threads_before_it_exits(tmp_path: Path) -> None:
    """The quick exit (`cli._leave`) still lets a removal thread finish, as interpreter shutdown would."""
    done = tmp_path / "done"
    script = ("import threading, time\n"
              "from rolebook import cli\n"
              f"threading.Thread(target=lambda: (time.sleep(0.5), open({str(done)!r}, 'w').close())).start()\n"
              "cli._leave(0)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                            env={k: v for k, v in os.environ.items() if k != "ROLEBOOK_DEBUG"})
    assert result.returncode == 0, result.stderr
    assert done.is_file()
