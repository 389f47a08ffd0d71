"""A Security Audit Report an auditor can trust, built from real Git history made here.

The district's columns in its order, page and downloads alike; Locked, Suspended and Inactive said as
such; a CSV Excel on Windows reads; the last review's decision per grant; who approved each grant, from
the approval record of its merged pull request (GitHub's REST list-reviews answer, uppercase states),
and plain words for grants from before Rolebook or without a record; when each grant reached the live
system.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.facts.grant_status import gives_access, status_label
from rolebook.model.files import GrantStatus
from rolebook.output.site.audit import DISTRICT_COLUMNS, EXPORT_HEADER, expand_access
from rolebook.output.site.exports import write_exports

DAY = dt.date.fromisoformat(TODAY)
ACCENTED_EMPLOYEE = "40000001"  # José Müller: accents Excel garbles without a byte-order mark
APPLIED_AT = "2026-11-05T09:00:00Z"
APPROVED_AT = "2026-11-02T15:04:05Z"

IMPORTED = {
    "access/staff.yaml_extra": f"""
  - {{employee: "{ACCENTED_EMPLOYEE}", last_name: Müller, first_name: José, staff_type: certificated, position: Teacher, hr_status: processed, locations: ["200", "100"]}}
""",
    # Locked at 100 (an administrator's hold) although its dates are current.
    "access/schools/100/grants.yaml": """
        location: "100"
        grants:
          - employee: "10000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "10000002"
            roles: [office-manager, health-office]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "10000003"
            roles: [teacher]
            granted: 2026-08-01
            expires: 2027-07-31
            status: locked
        """,
    # Suspended, and one past its expiry (Inactive in the district's words).
    "access/schools/200/grants.yaml": f"""
        location: "200"
        grants:
          - employee: "20000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "20000002"
            roles: [counselor]
            granted: 2025-08-01
            expires: 2026-06-30
          - employee: "{ACCENTED_EMPLOYEE}"
            roles: [teacher]
            granted: 2026-08-01
            expires: 2027-07-31
            status: suspended
        """,
}
REVIEW_100 = """
    school: "100"
    period: 2026-H2
    status: completed
    reviewer: pat-park
    reviewed_on: 2026-09-15
    items:
      - {employee: "10000001", roles: [principal], via: direct, decision: keep, reason: null, decided_by: lee-ld}
      - {employee: "10000002", roles: [office-manager, health-office], via: direct, decision: remove, reason: Moved to Oak High}
      - {employee: "10000003", roles: [teacher], via: direct, decision: keep, reason: null}
      - {employee: "90000005", roles: [district-administrator], via: cluster ld-test, decision: keep, reason: null}
    """


def _append_grant(root: Path, code: str, employee: str, roles: str) -> None:
    grants = root / f"access/schools/{code}/grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8") + f'  - employee: "{employee}"\n    roles: [{roles}]\n'
                      "    granted: 2026-11-01\n    expires: 2027-07-31\n", encoding="utf-8")


def _merge_pull_request(root: Path, number: int, branch: str) -> tuple[str, str]:
    """Commit the working tree on `branch` and merge it as GitHub's merge button does: (head, merge commit)."""
    git(root, "checkout", "-q", "-b", branch)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"Change on {branch}", "-m", "Approved-by: ngozi-o")  # a claim, no record
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-ff", "-q", "-m", f"Merge pull request #{number} from district/{branch}", branch)
    return head, git(root, "rev-parse", "HEAD")


def _list_reviews_answer(number: int, head: str) -> list[dict[str, object]]:
    """GitHub's REST list-reviews answer, in its real shape: uppercase states, user objects, commit ids."""
    url = f"https://api.github.com/repos/district/access/pulls/{number}"
    return [
        {"id": 80001, "node_id": "PRR_kwDOA", "user": {"login": "ngozi-o", "id": 2, "type": "User"},
         "body": "", "state": "COMMENTED", "html_url": f"https://github.com/district/access/pull/{number}",
         "pull_request_url": url, "author_association": "MEMBER", "submitted_at": "2026-11-02T09:00:00Z",
         "commit_id": head},
        {"id": 80002, "node_id": "PRR_kwDOB", "user": {"login": "pat-park", "id": 1, "type": "User"},
         "body": "Approved for the new post.", "state": "APPROVED",
         "html_url": f"https://github.com/district/access/pull/{number}#pullrequestreview-80002",
         "pull_request_url": url, "author_association": "MEMBER", "submitted_at": APPROVED_AT, "commit_id": head},
    ]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Import (before Rolebook), the review of 100 as PR #44, a grant approved in PR #42 (recorded), a grant
    merged in PR #43 with no record; one apply run after PR #42; then the internal build."""
    tmp = tmp_path_factory.mktemp("trust")
    root = make_mini_repo(tmp / "repo", {k: v for k, v in IMPORTED.items() if not k.endswith("_extra")})
    staff = root / "access/staff.yaml"
    staff.write_text(staff.read_text(encoding="utf-8") + IMPORTED["access/staff.yaml_extra"].lstrip("\n"),
                     encoding="utf-8")
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "site", root / "site")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    git_init(root, "Import today's access from the SIS")

    write_files(root, {"access/schools/100/reviews/2026-H2.yaml": REVIEW_100})
    _merge_pull_request(root, 44, "review/100-2026-H2")

    _append_grant(root, "100", ACCENTED_EMPLOYEE, "teacher")
    head_42, merge_42 = _merge_pull_request(root, 42, f"request/{ACCENTED_EMPLOYEE}")
    reviews = tmp / "reviews-42.json"
    reviews.write_text(json.dumps(_list_reviews_answer(42, head_42)), encoding="utf-8")
    recorded = run_cli("record-approvals", "--pr", "42", "--reviews", str(reviews), "--merge-commit", merge_42,
                       "--repo", str(root))
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr

    # The apply run at PR #42's merge: everything up to it is live; PR #43 is not yet.
    run = {"target": "scim https://scim.example/v2", "commit": merge_42, "base": None, "started": APPLIED_AT,
           "finished": APPLIED_AT, "result": "complete", "counts": {}, "created_users": {}}
    git(root, "notes", "--ref=rolebook-apply", "add", "-m", json.dumps(run), merge_42)

    _append_grant(root, "100", "30000001", "teacher")
    _, merge_43 = _merge_pull_request(root, 43, "request/30000001")

    built = run_cli("build", "--internal", "--repo", str(root), env={"NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    return {"root": root, "site": root / "build/internal/site", "head_42": head_42, "merge_43": merge_43}


def _page_rows(history: dict[str, object], code: str) -> dict[str, str]:
    page = (Path(str(history["site"])) / f"audit/schools/{code}.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="rb-row--[a-z]+">.*?</tr>', page, flags=re.S)
    found = {}
    for row in rows:
        match = re.match(rf'<tr class="rb-row--[a-z]+"><td>{code}</td><td>(\d{{8}})</td>', row)
        assert match, row[:200]
        found[match.group(1)] = row
    return found


def _cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)


def _csv(history: dict[str, object], code: str) -> tuple[bytes, dict[str, dict[str, str]]]:
    data = (Path(str(history["site"])) / f"audit/schools/security-audit-{code}.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_HEADER)
    return data, {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def _xlsx(history: dict[str, object], code: str) -> dict[str, dict[str, str]]:
    """The sheet's rows by employee, read from the file's own XML (an XLSX is a zip of XML)."""
    path = Path(str(history["site"])) / f"audit/schools/security-audit-{code}.xlsx"
    with zipfile.ZipFile(path) as book:
        shared = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>",
                                                                 book.read("xl/sharedStrings.xml").decode(), re.S)]
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    table: list[dict[int, str]] = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet, re.S):
        cells: dict[int, str] = {}
        for ref, kind, value in re.findall(r'<c r="([A-Z]+)\d+"[^>]*?(?: t="(\w+)")?[^>]*>(?:<v>(.*?)</v>)?', row):
            column = 0
            for letter in ref:
                column = column * 26 + ord(letter) - 64
            assert kind in ("s", ""), "every cell is a string, never a formula"
            if value:
                cells[column - 1] = html.unescape(shared[int(value)])
        table.append(cells)
    header_at = next(i for i, cells in enumerate(table) if cells.get(0) == "Location Code")
    header = [table[header_at][i] for i in range(len(table[header_at]))]
    assert header == list(EXPORT_HEADER)
    return {cells[1]: {name: cells.get(i, "") for i, name in enumerate(header)} for cells in table[header_at + 1:]}


def test_status_label_says_locked_suspended_and_inactive() -> None:
    assert status_label(GrantStatus.active, None, DAY) == "Active"
    assert status_label(GrantStatus.active, DAY, DAY) == "Active"  # the last day still gives access
    assert status_label(GrantStatus.active, DAY - dt.timedelta(days=1), DAY) == "Inactive"
    assert status_label(GrantStatus.locked, DAY + dt.timedelta(days=99), DAY) == "Locked"
    assert status_label(GrantStatus.suspended, None, DAY) == "Suspended"
    assert status_label(GrantStatus.suspended, DAY - dt.timedelta(days=9), DAY) == "Suspended"  # set on purpose
    assert [gives_access(s, None, DAY) for s in GrantStatus] == [True, False, False]


def test_page_has_the_districts_columns_in_its_order_then_rolebooks(history: dict[str, object]) -> None:
    page = (Path(str(history["site"])) / "audit/schools/100.html").read_text(encoding="utf-8")
    header = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page.split('id="rb-audit-table"')[1].split("</thead>")[0])
    assert header[:9] == list(DISTRICT_COLUMNS)
    assert header[9:] == ["Live since", "Grant, approval and review", "Findings"]
    cells = _cells(_page_rows(history, "100")["10000001"])
    assert cells[:3] == ["100", "10000001", "Maple Elementary"]
    assert cells[4:6] == ["Park", "Pat"] and cells[8] == "Active"


def test_status_is_locked_suspended_or_inactive_in_page_and_downloads(history: dict[str, object]) -> None:
    page_100, page_200 = _page_rows(history, "100"), _page_rows(history, "200")
    assert page_100["10000003"].startswith('<tr class="rb-row--locked">')
    assert '<td class="rb-status">Locked</td>' in page_100["10000003"]
    assert '<td class="rb-status">Suspended</td>' in page_200[ACCENTED_EMPLOYEE]
    assert '<td class="rb-status">Inactive</td>' in page_200["20000002"]
    for downloads in (_csv(history, "200")[1], _xlsx(history, "200")):
        assert downloads[ACCENTED_EMPLOYEE]["Status"] == "Suspended"
        assert downloads["20000002"]["Status"] == "Inactive" and downloads["20000001"]["Status"] == "Active"
        assert downloads["20000001"]["School Name"] == "Oak High School"
    assert _csv(history, "100")[1]["10000003"]["Status"] == "Locked"
    assert _xlsx(history, "100")["10000003"]["Status"] == "Locked"
    # A locked grant is not an active holder of its role.
    page = (Path(str(history["site"])) / "audit/schools/100.html").read_text(encoding="utf-8")
    teacher = re.search(r'Teacher</a></th><td>.*?</td><td>(\d+)</td>', page.split("rb-counts")[1])
    assert teacher and teacher.group(1) == "2"  # José and Jo, not the locked Carl Chen


def test_csv_has_a_byte_order_mark(history: dict[str, object]) -> None:
    data, rows = _csv(history, "200")
    assert data.startswith(b"\xef\xbb\xbfLocation Code,Employee Number,School Name,User Role(s),")
    assert rows[ACCENTED_EMPLOYEE]["Last Name"] == "Müller" and rows[ACCENTED_EMPLOYEE]["First Name"] == "José"
    assert "Müller".encode() in data


def test_csv_with_a_byte_order_mark_still_neutralises_formulas(tmp_path: Path) -> None:
    write_exports(tmp_path, "report", "T", ["Last Name", "First Name"], [["=1+1", "Zoë"], ["-2", "@SUM(A1)"]])
    data = (tmp_path / "report.csv").read_bytes()
    assert data == "\ufeffLast Name,First Name\r\n'=1+1,Zoë\r\n'-2,'@SUM(A1)\r\n".encode()


def test_approved_by_comes_from_the_recorded_reviews(history: dict[str, object]) -> None:
    head = str(history["head_42"])
    row = _page_rows(history, "100")[ACCENTED_EMPLOYEE]
    assert f'Pat Park (pat-park, 10000001) <span class="rb-muted">approved {head[:8]} on 2026-11-02</span>' in row
    assert "ngozi-o" not in row  # a comment is no approval, and a trailer is a claim
    for downloads in (_csv(history, "100")[1], _xlsx(history, "100")):
        approved = downloads[ACCENTED_EMPLOYEE]
        assert approved["Request"] == "PR #42"
        assert approved["Approved By"] == "Pat Park (pat-park, 10000001)"
        assert approved["Approved Commit"] == head[:8] and approved["Approved On"] == "2026-11-02"
        assert downloads["30000001"]["Approved By"] == "PR #43: no approval recorded"
        assert downloads["10000001"]["Approved By"] == (
            "Before Rolebook: imported on 2026-11-01, no approval on record")
    assert '<dd class="rb-approved">PR #43: no approval recorded</dd>' in _page_rows(history, "100")["30000001"]
    people = json.loads((Path(str(history["site"])) / "audit/people.json").read_text(encoding="utf-8"))
    person = next(p for p in people["people"] if p[0] == ACCENTED_EMPLOYEE)
    by_location = {access["location"]: access for access in (expand_access(people, a) for a in person[6])}
    assert by_location["100"]["approved_by"] == f"Pat Park (pat-park, 10000001), approved {head[:8]} on 2026-11-02"
    assert by_location["100"]["status"] == "Active" and by_location["200"]["status"] == "Suspended"
    assert by_location["200"]["approved_by"].startswith("Before Rolebook: imported on ")


def test_last_reviews_decision_per_grant(history: dict[str, object]) -> None:
    rows = _page_rows(history, "100")
    assert ("remove: Moved to Oak High, by Pat Park (pat-park), " in rows["10000002"]
            and ">PR #44</a>" not in rows["10000002"] and "PR #44" in rows["10000002"])
    assert "keep, by Lee Director (lee-ld), PR #44" in rows["10000001"]  # the item's own decider
    assert "keep, by Pat Park (pat-park)" in rows["90000005"]  # reached via the cluster, matched as such
    assert "not listed in the 2026-H2 review" in rows[ACCENTED_EMPLOYEE]  # granted after it
    downloads = _csv(history, "100")[1]
    assert [downloads["10000002"][k] for k in ("Last Review", "Review Decision", "Decided By", "Review Request")] == [
        "2026-H2, 2026-09-15", "remove: Moved to Oak High", "Pat Park (pat-park)", "PR #44"]
    assert _xlsx(history, "100")["10000001"]["Decided By"] == "Lee Director (lee-ld)"
    assert _csv(history, "200")[1]["20000001"]["Last Review"] == "no review on record"
    # The validator (RB704) reads the same standing: 100 is reviewed, 200 never was.
    result = run_cli("validate", "--format", "json", "--repo", str(history["root"]))
    overdue = {f["location"] for f in json.loads(result.stdout)["findings"] if f["code"] == "RB704"}
    assert "200" in overdue and "100" not in overdue


def test_live_since_in_page_and_downloads(history: dict[str, object]) -> None:
    rows = _page_rows(history, "100")
    assert _cells(rows[ACCENTED_EMPLOYEE])[9] == "2026-11-05"
    assert _cells(rows["30000001"])[9] == "not yet"
    for downloads in (_csv(history, "100")[1], _xlsx(history, "100")):
        assert downloads[ACCENTED_EMPLOYEE]["Live Since"] == "2026-11-05"
        assert downloads["10000001"]["Live Since"] == "2026-11-05"  # the import came before the applied commit
        assert downloads["30000001"]["Live Since"] == "not yet"
