"""Login exports (dormant access), SIS drift, grants expiring soon, and the strict CSV reader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import TODAY, make_mini_repo, run_cli, write_files
from rolebook.facts.expiry import expiring_grants
from rolebook.infra import csvio
from rolebook.loading import load_repository
from rolebook.loading.records import load_logins
from rolebook.policy.check import run_rules

FIXTURES = Path(__file__).parent / "fixtures" / "hr"
DAY = dt.date.fromisoformat(TODAY)


# ---------------------------------------------------------------------------- logins


def test_login_import_flags_dormant_and_never_used_access(mini_repo: Path) -> None:
    imported = run_cli("logins", "import", "--export", str(FIXTURES / "logins.csv"), cwd=mini_repo)
    assert imported.returncode == 0, imported.stderr
    stored = (mini_repo / "access/logins.csv").read_text()
    assert stored.splitlines()[0] == "employee_number,location_code,role,last_login"  # the BOM is gone
    assert "10000001,100,principal,2026-11-20T15:55:00" in stored  # role name -> id; -08:00 -> UTC
    assert "30000001,SPEDOPS,sped-viewers," in stored

    logins = load_logins(mini_repo)
    assert logins[("10000002", "100")] == dt.datetime(2026, 11, 19, 8, 0)  # the latest of two roles
    assert ("20000002", "200") not in logins  # an empty last_login: never logged in

    report = run_cli("logins", "report", "--format", "json", cwd=mini_repo)
    assert report.returncode == 0, report.stderr
    flags = {(f["kind"], f["employee"], f["location"]) for f in json.loads(report.stdout)["flags"]}
    assert ("dormant", "10000003", "100") in flags  # last login 2026-06-30: 146 days
    assert ("never", "20000002", "200") in flags
    assert ("never", "20000003", "200") in flags
    assert ("dormant", "10000002", "100") in flags  # Health Office last used 2026-05-02: per role, 205 days
    assert not any(employee in {"10000001", "30000001"} for _, employee, _ in flags)

    findings = run_rules(load_repository(mini_repo), DAY).findings
    dormant = [f for f in findings if f.code == "RB705"]
    assert [(f.employee, f.location, f.file, f.severity.value) for f in dormant] == [
        ("10000002", "100", "access/schools/100/grants.yaml", "warning"),
        ("10000003", "100", "access/schools/100/grants.yaml", "warning")]
    assert "health-office" in dormant[0].message and "office-manager" not in dormant[0].message
    assert dormant[1].line == 12  # the grant's line
    assert {f.employee for f in findings if f.code == "RB706"} >= {"20000002", "20000003"}


def test_no_login_data_means_no_login_findings(mini_repo: Path) -> None:
    codes = {f.code for f in run_rules(load_repository(mini_repo), DAY).findings}
    assert not codes & {"RB705", "RB706"}
    assert load_logins(mini_repo) == {}


def test_malformed_login_export_is_refused_with_row_numbers(mini_repo: Path, tmp_path: Path) -> None:
    export = tmp_path / "logins.csv"
    export.write_text("employee_number,location_code,role,last_login\n"
                      "10000001,100,principal,2026-11-20T08:00:00Z\n"
                      "10000002,100,office-manager,yesterday\n"
                      "10000003,100,Time Lord,2026-11-20T08:00:00Z\n"
                      "10000003,100\n")
    result = run_cli("logins", "import", "--export", str(export), cwd=mini_repo)
    assert result.returncode == 2
    assert "logins.csv:3: row 2: last_login: 'yesterday' is not an ISO date and time" in result.stderr
    assert "logins.csv:4: row 3: role: unknown role 'Time Lord'" in result.stderr
    assert "logins.csv:5: row 4: 2 column(s), but the header has 4" in result.stderr
    assert not (mini_repo / "access/logins.csv").exists()


# ---------------------------------------------------------------------------- drift


def test_drift_finds_orphans_generic_accounts_and_role_differences(mini_repo: Path) -> None:
    result = run_cli("drift", "--sis-export", str(FIXTURES / "sis-export.csv"), "--format", "json", cwd=mini_repo)
    assert result.returncode == 1, result.stderr
    drift = json.loads(result.stdout)
    assert drift["drift"] is True
    assert [a["employee"] for a in drift["orphans"]] == ["55555555"]
    assert sorted(a["user_name"] for a in drift["generic"]) == ["AdminDepartment", "User 1", "guest"]
    assert drift["only_in_sis"] == [{"employee": "10000003", "location": "100", "role": "counselor"}]
    assert drift["only_in_repo"] == [{"employee": "20000002", "location": "200", "role": "counselor"}]

    markdown = run_cli("drift", "--sis-export", str(FIXTURES / "sis-export.csv"), cwd=mini_repo)
    assert markdown.returncode == 1
    assert "## Generic accounts (3)" in markdown.stdout and "Former, Staff" in markdown.stdout


def test_no_drift_exits_zero(mini_repo: Path, tmp_path: Path) -> None:
    export = tmp_path / "sis.csv"
    lines = [line for line in (FIXTURES / "sis-export.csv").read_text().splitlines()
             if not line.startswith((",", "55555555", "10000003,carl.chen,100,Counselor"))]
    export.write_text("\n".join([*lines, "20000002,sam.silva,200,Counselor"]) + "\n")
    result = run_cli("drift", "--sis-export", str(export), cwd=mini_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No drift" in result.stdout


# ---------------------------------------------------------------------------- expiring grants


def test_expiring_grants_within_the_window(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo")
    write_files(root, {"access/schools/200/grants.yaml": """
        location: "200"
        grants:
          - {employee: "20000001", roles: [principal], granted: 2026-08-01, expires: 2026-12-01}
          - {employee: "20000002", roles: [counselor], granted: 2026-08-01, expires: 2026-12-31}
          - {employee: "20000003", roles: [office-manager], granted: 2026-08-01, expires: 2026-11-30, status: locked}
        """})
    soon = expiring_grants(load_repository(root), DAY, 30)
    assert [(g.employee, g.days_left, g.line) for g in soon] == [("20000001", 8, 3)]
    assert [g.employee for g in expiring_grants(load_repository(root), DAY, 60)] == ["20000001", "20000002"]


# ---------------------------------------------------------------------------- the CSV reader


COLUMNS = [csvio.Column("employee_number", csvio.employee_number), csvio.Column("name"),
           csvio.Column("start", csvio.iso_date, required=False)]


def read(tmp_path: Path, raw: bytes) -> csvio.CsvTable:
    path = tmp_path / "in.csv"
    path.write_bytes(raw)
    return csvio.read_csv(path, COLUMNS, display="in.csv")


def test_csv_strips_bom_handles_quotes_and_keeps_formulas_as_text(tmp_path: Path) -> None:
    table = read(tmp_path, b'\xef\xbb\xbfEmployee_Number,name,start\r\n'
                           b'10000001,"Park, Pat",2026-08-01\r\n'
                           b'\r\n'
                           b'10000002,"=HYPERLINK(""http://x"")\nsecond line",\r\n'
                           b'10000003,@SUM(1),\r\n'
                           b'10000004,+1-2,\r\n')
    assert [r["name"] for r in table.rows] == ["Park, Pat", '=HYPERLINK("http://x")\nsecond line', "@SUM(1)", "+1-2"]
    assert table.rows[0]["start"] == dt.date(2026, 8, 1) and table.rows[1]["start"] is None
    assert table.lines == [2, 4, 6, 7]  # the blank line is skipped, the quoted newline counted


def test_csv_reports_every_bad_row_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(csvio.CsvRejected) as caught:
        read(tmp_path, b"employee_number,name,start\n"
                       b'10000001,"Multi\nline",2026-13-01\n'
                       b"12,Short,\n"
                       b"10000003,Too,many,cells\n"
                       b"10000004,,\n"
                       b"10000005,Fine,2026-01-01\n")
    shown = [p.format() for p in caught.value.problems]
    assert shown == [
        "in.csv:2: row 1: start: '2026-13-01' is not a date in the form YYYY-MM-DD (e.g. 2027-06-30)",
        "in.csv:4: row 2: employee_number: '12' is not an 8-digit employee number (a spreadsheet may have "
        "dropped leading zeros: keep the column as text)",
        "in.csv:5: row 3: 4 column(s), but the header has 3 (check for a missing or extra comma, or an unquoted "
        "comma inside a value)",
        "in.csv:6: row 4: name: a value is required",
    ]


def test_csv_missing_columns_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(csvio.CsvRejected) as caught:
        read(tmp_path, b"employee,name\n10000001,Pat\n")
    assert "missing column(s): employee_number" in caught.value.problems[0].message
    with pytest.raises(csvio.CsvRejected) as caught:
        read(tmp_path, b"employee_number,name\n10000001,Ren\xe9\n")
    assert caught.value.problems[0].line == 2 and "not UTF-8" in caught.value.problems[0].message
    with pytest.raises(csvio.CsvRejected):
        read(tmp_path, b"")
