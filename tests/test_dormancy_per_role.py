"""Dormancy per role, as the district's Last Login column means it: "the last time the user successfully
logged in with that user role" (000). A role unused for months is flagged while the person's other role
is in use; a role may set its own limit; an export without roles still works, judged per person."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import run_cli, write_files

# 2026-11-23 (the tests' today) minus 213 days.
HEALTH_OFFICE_LAST_USED = "2026-04-24T08:00:00Z"


def import_export(repo: Path, text: str) -> None:
    export = repo.parent / "mis-logins.csv"
    export.write_text(text, encoding="utf-8")
    result = run_cli("logins", "import", "--export", str(export), cwd=repo)
    assert result.returncode == 0, result.stderr


def per_role_export(health_office: str = HEALTH_OFFICE_LAST_USED) -> str:
    return ("employee_number,location_code,role,last_login\n"
            "10000001,100,Principal,2026-11-20T07:55:00Z\n"
            "10000002,100,Office Manager,2026-11-20T08:00:00Z\n"  # used every day...
            f"10000002,100,Health Office,{health_office}\n"        # ...but not this one
            "10000003,100,Teacher,2026-11-19T15:00:00Z\n"
            "90000005,100,district-administrator,2026-11-20T09:00:00Z\n")  # via the cluster


def grant_line(repo: Path, code: str, employee: str) -> int:
    lines = (repo / f"access/schools/{code}/grants.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if f'employee: "{employee}"' in line)


def test_a_health_office_role_unused_for_213_days_is_flagged_while_the_other_role_is_used(git_repo: Path) -> None:
    import_export(git_repo, per_role_export())

    result = run_cli("validate", "--format", "json", cwd=git_repo)
    findings = [f for f in json.loads(result.stdout)["findings"]
                if f["code"] in {"RB705", "RB706"} and f["location"] == "100"]
    assert [(f["code"], f["file"], f["line"], f["employee"]) for f in findings] == [
        ("RB705", "access/schools/100/grants.yaml", grant_line(git_repo, "100", "10000002"), "10000002")]
    assert "has not used health-office at 100 for 213 days" in findings[0]["message"]
    assert "office-manager" not in findings[0]["message"]  # the role in use is not the finding
    assert "rolebook revoke --employee 10000002 --school 100 --role health-office" in findings[0]["hint"]

    text = run_cli("validate", cwd=git_repo).stdout  # the text report: at the grant's line, under its file
    block = text[text.index("access/schools/100/grants.yaml"):]
    assert re.search(rf"^\s+{grant_line(git_repo, '100', '10000002')}\s+warning\s+RB705\s+10000002 has not used "
                     r"health-office", block, re.MULTILINE)

    report = json.loads(run_cli("logins", "report", "--format", "json", cwd=git_repo).stdout)
    assert [(f["kind"], f["employee"], f["roles"], f["days"], f["dormant_after_days"]) for f in report["flags"]
            if f["location"] == "100"] == [("dormant", "10000002", ["health-office"], 213, 90)]


def test_recent_use_of_each_role_flags_nothing(git_repo: Path) -> None:
    import_export(git_repo, per_role_export(health_office="2026-11-02T08:00:00Z"))
    report = json.loads(run_cli("logins", "report", "--format", "json", cwd=git_repo).stdout)
    assert [f for f in report["flags"] if f["location"] == "100"] == []


def test_a_role_never_used_is_flagged_while_the_other_is_used(git_repo: Path) -> None:
    import_export(git_repo, "employee_number,location_code,role,last_login\n"
                            "10000002,100,office-manager,2026-11-20T08:00:00Z\n")
    report = json.loads(run_cli("logins", "report", "--format", "json", cwd=git_repo).stdout)
    rosa = [(f["kind"], f["roles"]) for f in report["flags"] if f["employee"] == "10000002"]
    assert rosa == [("never", ["health-office"])]  # granted 2026-08-01: 114 days, over the 90 allowed


def test_a_role_sets_its_own_limit_over_the_policys(git_repo: Path) -> None:
    health = (git_repo / "roles/health-office.yaml").read_text(encoding="utf-8")
    teacher = (git_repo / "roles/teacher.yaml").read_text(encoding="utf-8")
    write_files(git_repo, {"roles/health-office.yaml": health + "dormant_after_days: 365\n",
                           "roles/teacher.yaml": teacher + "dormant_after_days: 3\n"})
    import_export(git_repo, per_role_export())  # health office 213 days ago, teacher 4 days ago

    report = json.loads(run_cli("logins", "report", "--format", "json", cwd=git_repo).stdout)
    assert [(f["employee"], f["roles"], f["days"], f["dormant_after_days"]) for f in report["flags"]
            if f["location"] == "100"] == [("10000003", ["teacher"], 4, 3)]
    findings = json.loads(run_cli("validate", "--format", "json", cwd=git_repo).stdout)["findings"]
    assert [(f["employee"], f["line"]) for f in findings if f["code"] == "RB705"] == [
        ("10000003", grant_line(git_repo, "100", "10000003"))]


def test_an_export_without_roles_is_judged_per_person_and_location(git_repo: Path) -> None:
    import_export(git_repo, "employee_number,location_code,last_login\n"
                            "10000002,100,2026-11-20T08:00:00Z\n"
                            "10000003,100,2026-06-30T15:00:00Z\n")
    stored = (git_repo / "access/logins.csv").read_text(encoding="utf-8").splitlines()
    assert stored[0] == "employee_number,location_code,role,last_login"
    assert "10000002,100,*,2026-11-20T08:00:00" in stored  # any role at that location

    report = json.loads(run_cli("logins", "report", "--format", "json", cwd=git_repo).stdout)
    at_100 = [(f["kind"], f["employee"], f["roles"]) for f in report["flags"] if f["location"] == "100"]
    # Both of Rosa's roles count as used (one login at the school); Carl's teacher role is 146 days old.
    assert ("dormant", "10000003", ["teacher"]) in at_100
    assert not any(employee == "10000002" for _, employee, _ in at_100)


def test_an_empty_role_cell_is_refused_at_its_line(git_repo: Path) -> None:
    export = git_repo.parent / "bad.csv"
    export.write_text("employee_number,location_code,role,last_login\n"
                      "10000002,100,office-manager,2026-11-20T08:00:00Z\n"
                      "10000003,100,,2026-11-20T08:00:00Z\n", encoding="utf-8")
    result = run_cli("logins", "import", "--export", str(export), cwd=git_repo)
    assert result.returncode == 2
    assert "bad.csv:3: row 2: role: a value is required" in result.stderr
    assert "leave the column out if the export has no roles" in result.stderr
    assert not (git_repo / "access/logins.csv").exists()


def test_the_audit_report_shows_last_login_per_user_role(git_repo: Path) -> None:
    import datetime as dt

    from rolebook.facts.history import History
    from rolebook.loading import load_repository
    from rolebook.output.site import audit

    import_export(git_repo, per_role_export())
    repo = load_repository(git_repo)
    data = audit.collect(repo, dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, tzinfo=dt.UTC), History())
    rows = {row.employee: row for row in audit.location_rows(data, "100")}
    # Two roles last used on different days: each role's own date, as the district's column means it.
    assert rows["10000002"].last_login == "Office Manager: 2026-11-20; Health Office: 2026-04-24"
    assert rows["10000003"].last_login == "2026-11-19"
    assert rows["10000002"].export()[6] == rows["10000002"].last_login  # the downloads' Last Login Date
