"""Completeness (RB801): the roles the guide says all holders of a position need, and a notice per school
naming who is missing, with the request that fixes it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml
from conftest import REPO_ROOT, git, git_init, make_mini_repo, run_cli

JANE = ('  - {employee: "12345678", last_name: Doe, first_name: Jane, staff_type: certificated, '
        'position: Teacher, hr_status: processed, locations: ["100"]}\n')


def add_staff(repo: Path, *records: str) -> None:
    path = repo / "access/staff.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(records), encoding="utf-8")


def completeness(repo: Path, *args: str) -> list[dict[str, object]]:
    result = run_cli("validate", "--format", "json", *args, cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["code"] == "RB801"]


def test_the_guides_must_be_assigned_to_all_roles_say_so_as_data() -> None:
    required = {}
    for path in sorted((REPO_ROOT / "roles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("required_for"):
            required[data["id"]] = data["required_for"][0]
    assert set(required) == {"teacher", "principal", "school-full-read"}
    assert "Teacher" in required["teacher"]["positions"]
    assert {"Principal", "Assistant Principal"} <= set(required["principal"]["positions"])
    assert required["principal"]["note"] == "All administrators assigned to a school"
    assert required["school-full-read"]["staff_types"] == ["certificated"]


def test_the_missing_teacher_notice_names_the_teacher_and_the_fix(git_repo: Path) -> None:
    add_staff(git_repo, JANE)
    text = run_cli("validate", cwd=git_repo)
    assert text.returncode == 0, text.stdout + text.stderr  # a notice does not fail the check
    block = text.stdout[text.stdout.index("access/schools/100/grants.yaml"):]
    assert re.search(r"^\s+2\s+notice\s+RB801\s+Jane Doe \(12345678\), Teacher at Maple Elementary, does not hold "
                     r"Teacher", block, re.MULTILINE)  # line 2: the file's `grants:`, where the fix goes
    [finding] = completeness(git_repo)
    assert (finding["file"], finding["line"], finding["location"], finding["employee"], finding["severity"]) == (
        "access/schools/100/grants.yaml", 2, "100", "12345678", "notice")
    assert "All certificated classroom teachers" in str(finding["message"])
    hint = str(finding["hint"])
    assert hint.startswith("request Teacher for Jane Doe (12345678): rolebook request --employee 12345678 "
                           "--school 100 --role Teacher --reason ")

    # The hint's command, run as it is, is the fix.
    command = shlex.split(hint.split(": ", 1)[1])
    assert command[:2] == ["rolebook", "request"]
    made = run_cli(*command[1:], "--no-branch", cwd=git_repo)
    assert made.returncode == 0, made.stderr
    assert git(git_repo, "log", "-1", "--format=%s") == "Request Teacher for Jane Doe at Maple Elementary"
    assert completeness(git_repo) == []


def test_who_counts_as_missing(tmp_path: Path) -> None:
    repo = make_mini_repo(tmp_path / "repo")
    add_staff(
        repo, JANE,
        # An assistant principal at a high school: Principal is for "all administrators assigned to a school".
        '  - {employee: "22222222", last_name: Ali, first_name: Omar, staff_type: certificated, '
        'position: Assistant Principal, hr_status: processed, locations: ["200"]}\n',
        # HR has not processed her yet: she cannot be granted anything, so she is not missing anything.
        '  - {employee: "33333333", last_name: New, first_name: Nell, staff_type: certificated, '
        'position: Teacher, hr_status: pending, locations: ["100"]}\n',
        # A teacher whose Teacher grant is locked (a decision) and one whose grant has expired (missing).
        '  - {employee: "44444444", last_name: Lock, first_name: Lou, staff_type: certificated, '
        'position: Teacher, hr_status: processed, locations: ["200"]}\n',
        '  - {employee: "55555555", last_name: Past, first_name: Pia, staff_type: certificated, '
        'position: Physical Education Teacher, hr_status: processed, locations: ["200"]}\n',
        # A counselor: the guide asks nothing of counselors that they lack.
        '  - {employee: "66666666", last_name: Kim, first_name: Kai, staff_type: certificated, '
        'position: Counselor, hr_status: processed, locations: ["200"]}\n',
    )
    grants = repo / "access/schools/200/grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8")
                      + "  - {employee: \"44444444\", roles: [teacher], granted: 2026-08-01, expires: 2027-07-31, "
                        "status: locked}\n"
                      + "  - {employee: \"55555555\", roles: [teacher, pe-teacher], granted: 2025-08-01, "
                        "expires: 2026-07-31}\n", encoding="utf-8")
    found = {(f["location"], f["employee"]): f for f in completeness(repo)}
    assert set(found) == {("100", "12345678"), ("200", "22222222"), ("200", "55555555")}
    assert "does not hold Principal" in str(found[("200", "22222222")]["message"])
    assert "--role Principal" in str(found[("200", "22222222")]["hint"])
    assert "does not hold Teacher" in str(found[("200", "55555555")]["message"])


def test_a_change_that_takes_a_teachers_role_away_is_told_in_the_pull_request(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    revoked = run_cli("revoke", "--employee", "10000003", "--school", "100", "--role", "teacher",
                      "--reason", "Moved", "--no-branch", cwd=repo)
    assert revoked.returncode == 0, revoked.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "2"  # the revoke is a commit on top of the base
    usual = json.loads(run_cli("validate", "--base", "HEAD~1", "--format", "json", cwd=repo).stdout)
    full = json.loads(run_cli("validate", "--base", "HEAD~1", "--full", "--format", "json", cwd=repo).stdout)
    new = [(f["code"], f["employee"], f["file"], f["line"]) for f in usual["findings"] if f["code"] == "RB801"]
    assert new == [("RB801", "10000003", "access/schools/100/grants.yaml", 2)]
    # The partial load of pull-request mode says what the full load says.
    assert [f for f in full["findings"] if f["code"] == "RB801"] == [
        f for f in usual["findings"] if f["code"] == "RB801"]
