"""request, revoke, transfer and offboard: real Git repositories, real CLI, comments kept."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY, git, git_init, make_mini_repo, run_cli
from rolebook.cli import cli
from rolebook.loading import load_repository
from rolebook.requests import RequestError
from rolebook.requests.issue_form import parse_issue_form

# Grants files with comments everywhere a clerk might put one.
SCHOOL_100 = """\
# yaml-language-server: $schema=../../../generator/schema/grants.schema.json
# Maple Elementary: reviewed 2026-08 by the principal.
location: "100"
grants:
  # The principal.
  - employee: "10000001"
    roles: [principal]  # appointed August 2026
    granted: 2026-08-01
    expires: 2027-07-31
    reason: Principal of Maple Elementary
  # Front office.
  - employee: "10000002"
    roles: [office-manager, health-office]
    granted: 2026-08-01
    expires: 2027-07-31
  # Teachers below.
  - employee: "10000003"
    roles: [teacher]
    granted: 2026-08-01
    expires: 2027-07-31
# end of grants
"""
SCHOOL_200 = """\
# yaml-language-server: $schema=../../../generator/schema/grants.schema.json
# Oak High School.
location: "200"
grants:
  - employee: "20000001"
    roles: [principal]
    granted: 2026-08-01
    expires: 2027-07-31
  # Counselling office.
  - employee: "20000002"
    roles: [counselor]  # caseload A-L
    granted: 2026-08-01
    expires: 2027-07-31
  - employee: "20000003"
    roles: [office-manager]
    granted: 2026-08-01
    expires: 2027-07-31
"""


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def call(*args: str) -> Result:
    """The real CLI in this process (fast); test_request_adds_to_the_existing_grant runs it as a subprocess."""
    runner = CliRunner(env={"ROLEBOOK_TODAY": TODAY})
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_mini_repo(tmp_path / "repo", {"access/schools/100/grants.yaml": SCHOOL_100,
                                              "access/schools/200/grants.yaml": SCHOOL_200})
    return git_init(root)


def comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def changed(root: Path) -> str:
    return git(root, "diff", "HEAD~1", "HEAD", "--unified=0", "--no-color")


def trailers(root: Path) -> dict[str, list[str]]:
    message = git(root, "log", "-1", "--format=%B")
    parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True,
                            text=True, check=True).stdout
    found: dict[str, list[str]] = {}
    for line in parsed.splitlines():
        key, _, value = line.partition(": ")
        found.setdefault(key, []).append(value)
    return found


def test_request_adds_to_the_existing_grant_and_keeps_comments(repo: Path) -> None:
    result = run_cli("request", "--repo", str(repo), "--employee", "20000003", "--school", "200",
                     "--role", "Counselor", "--reason", "Covers counselling: 2nd term", "--requested-by", "Rosa R")
    assert result.returncode == 0, result.stderr
    assert git(repo, "branch", "--show-current") == "access/request-20000003-200-counselor"
    diff = changed(repo)
    assert "-    roles: [office-manager]\n+    roles: [office-manager, counselor]" in diff
    text = (repo / "access/schools/200/grants.yaml").read_text()
    assert comments(text) == comments(SCHOOL_200)
    assert text.replace("[office-manager, counselor]", "[office-manager]") == SCHOOL_200
    found = trailers(repo)
    assert found["Requested-by"] == ["Rosa R"]
    assert found["Employee"] == ["20000003 (Nina Novak)"]
    assert found["Role"] == ["counselor (Counselor)"]
    assert found["Location"] == ["200 (Oak High School)"]
    assert found["Reason"] == ["Covers counselling: 2nd term"]
    load_repository(repo)  # the result still loads


def test_request_appends_a_new_grant_with_the_policy_expiry(repo: Path) -> None:
    result = call("request", "--repo", str(repo), "--employee", "10000003", "--school", "200",
                     "--role", "health-office", "--role", "School Limited Read", "--verification", "Checked by OM")
    assert result.returncode == 0, result.stderr
    text = (repo / "access/schools/200/grants.yaml").read_text()
    assert text.startswith(SCHOOL_200)
    added = text[len(SCHOOL_200):]
    assert added.splitlines()[:3] == ['  - employee: "10000003"', "    roles: [health-office, school-limited-read]",
                                       "    granted: 2026-11-23"]
    assert "    expires: 20" in added and "    verification: Checked by OM" in added
    grant = load_repository(repo).grants["200"].model.grants[-1]
    assert grant.employee == "10000003" and grant.expires is not None and grant.expires > grant.granted


def test_dry_run_changes_nothing(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    result = call("request", "--repo", str(repo), "--employee", "20000003", "--school", "200",
                     "--role", "counselor", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "+    roles: [office-manager, counselor]" in result.stdout
    assert "Requested-by:" in result.stdout
    assert git(repo, "rev-parse", "HEAD") == before
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "branch", "--show-current") == "main"


@pytest.mark.parametrize(("args", "message"), [
    (["--employee", "2000000", "--school", "200", "--role", "counselor"], "not an employee number"),
    (["--employee", "20000009", "--school", "200", "--role", "counselor"], "not in access/staff.yaml"),
    (["--employee", "20000003", "--school", "20O", "--role", "counselor"], "Did you mean: 200"),
    (["--employee", "20000003", "--school", "200", "--role", "Counsellor"], "Did you mean: Counselor"),
    (["--employee", "20000003", "--school", "200", "--role", "sped-viewers"], "not at a school"),
    (["--employee", "20000002", "--school", "200", "--role", "counselor"], "already holds"),
])
def test_bad_input_exits_2_before_editing(repo: Path, args: list[str], message: str) -> None:
    result = call("request", "--repo", str(repo), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert git(repo, "status", "--porcelain") == "" and git(repo, "branch", "--show-current") == "main"


def test_no_branch_and_no_commit(repo: Path) -> None:
    result = call("request", "--repo", str(repo), "--employee", "20000003", "--school", "200",
                     "--role", "counselor", "--no-commit")
    assert result.returncode == 0, result.stderr
    assert git(repo, "status", "--porcelain") == "M access/schools/200/grants.yaml"
    git(repo, "checkout", "--", ".")
    result = call("request", "--repo", str(repo), "--employee", "20000003", "--school", "200",
                     "--role", "counselor", "--no-branch")
    assert result.returncode == 0, result.stderr
    assert git(repo, "branch", "--show-current") == "main"
    assert git(repo, "rev-list", "--count", "HEAD") == "2"


def test_revoke_one_role_and_all(repo: Path) -> None:
    result = call("revoke", "--repo", str(repo), "--employee", "10000002", "--school", "100",
                     "--role", "Health Office", "--reason", "Moved to the library")
    assert result.returncode == 0, result.stderr
    assert "-    roles: [office-manager, health-office]\n+    roles: [office-manager]" in changed(repo)
    assert trailers(repo)["Role"] == ["health-office (Health Office)"]
    assert comments((repo / "access/schools/100/grants.yaml").read_text()) == comments(SCHOOL_100)
    result = call("revoke", "--repo", str(repo), "--employee", "10000002", "--school", "100", "--all",
                     "--no-branch")
    assert result.returncode == 0, result.stderr
    text = (repo / "access/schools/100/grants.yaml").read_text()
    assert '"10000002"' not in text
    # The comments around the removed grant stay: only the grant itself goes.
    assert comments(text) == [c for c in comments(SCHOOL_100) if c != "Front office."] or \
        comments(text) == comments(SCHOOL_100)
    assert "# Teachers below." in text and "# end of grants" in text
    assert call("revoke", "--repo", str(repo), "--employee", "10000002", "--school", "100").returncode == 2


def test_transfer_removes_at_the_old_school_and_requests_at_the_new(repo: Path) -> None:
    result = call("transfer", "--repo", str(repo), "--employee", "10000003", "--from", "100", "--to", "200",
                     "--reason", "HR transfer T-123")
    assert result.returncode == 0, result.stderr
    assert git(repo, "branch", "--show-current") == "access/transfer-10000003-100-200"
    assert set(git(repo, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()) == {
        "access/schools/100/grants.yaml", "access/schools/200/grants.yaml"}
    loaded = load_repository(repo)
    assert all(g.employee != "10000003" for g in loaded.grants["100"].model.grants)
    assert [g.roles for g in loaded.grants["200"].model.grants if g.employee == "10000003"] == [["teacher"]]
    assert trailers(repo)["Location"] == ["100 (Maple Elementary)", "200 (Oak High School)"]
    assert "# Teachers below." in (repo / "access/schools/100/grants.yaml").read_text()


def test_transfer_then_gate_needs_both_principals(repo: Path) -> None:
    assert call("transfer", "--repo", str(repo), "--employee", "10000003", "--from", "100",
                   "--to", "200").returncode == 0
    result = call("approvals", "--repo", str(repo), "--base", "main", "--head", "HEAD", "--author", "x",
                     "--format", "json")
    assert result.returncode == 1
    eligible = {login for r in json.loads(result.stdout)["requirements"] for login in r["eligible"]}
    assert eligible == {"pat-park", "ngozi-o"}


def test_offboard_removes_every_grant_of_separated_staff(repo: Path, tmp_path: Path) -> None:
    export = tmp_path / "hr.csv"
    export.write_text("Employee Number,Name,Status\n10000002,Rivera,Retired\n20000003,Novak,Active\n"
                      "10000003,Chen,separated\n", encoding="utf-8")
    result = call("offboard", "--repo", str(repo), "--hr-export", str(export))
    assert result.returncode == 0, result.stderr
    assert git(repo, "log", "-1", "--format=%s") == "Remove access: separated staff"
    loaded = load_repository(repo)
    remaining = {g.employee for _, _, g in loaded.iter_grants()}
    assert "10000002" not in remaining and "10000003" not in remaining and "20000003" in remaining
    assert sorted(trailers(repo)["Employee"]) == ["10000002 (Rosa Rivera)", "10000003 (Carl Chen)"]
    text = (repo / "access/schools/100/grants.yaml").read_text()
    assert "# Maple Elementary: reviewed 2026-08 by the principal." in text and "# end of grants" in text
    assert "# The principal." in text and "# appointed August 2026" in text


def test_offboard_rejects_malformed_rows_by_number(repo: Path, tmp_path: Path) -> None:
    export = tmp_path / "hr.csv"
    export.write_text("employee_number,hr_status\n10000002,separated\n=HYPERLINK(\"http://e.vil\"),separated\n"
                      "1000003,separated\n10000001,@SUM(A1)\n", encoding="utf-8")
    result = call("offboard", "--repo", str(repo), "--hr-export", str(export))
    assert result.returncode == 2
    assert "hr.csv:3:" in result.stderr and "hr.csv:4:" in result.stderr and "hr.csv:5:" in result.stderr
    assert git(repo, "status", "--porcelain") == "" and git(repo, "branch", "--show-current") == "main"
    header = tmp_path / "bad.csv"
    header.write_text("id,state\n1,2\n")
    assert call("offboard", "--repo", str(repo), "--hr-export", str(header)).returncode == 2


ISSUE_BODY = """\
### Employee number

20000003

### School or office code

200

### Role(s)

Counselor, Health Office

### Other role (if not in the list)

_No response_

### Reason

Covers the counselling office
while Sam is on leave.

### End date

2027-06-30

### Verification

Checked with the principal in person.

### Confirmation

- [X] The person's need for this access is verified.
"""


def test_issue_form_body_is_parsed() -> None:
    form = parse_issue_form(ISSUE_BODY)
    assert (form.employee, form.school, form.roles) == ("20000003", "200", ["Counselor", "Health Office"])
    assert form.reason == "Covers the counselling office while Sam is on leave."
    assert form.expires == "2027-06-30"
    assert form.confirmed == ["The person's need for this access is verified."]
    with pytest.raises(RequestError, match="Employee number"):
        parse_issue_form(ISSUE_BODY.replace("20000003", "_No response_"))


def test_request_from_issue_form(repo: Path, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text(ISSUE_BODY)
    result = call("request", "--repo", str(repo), "--from-issue-form", str(body), "--requested-by", "@rosa")
    assert result.returncode == 0, result.stderr
    grants = load_repository(repo).grants["200"].model.grants
    nina = next(g for g in grants if g.employee == "20000003")
    assert nina.roles == ["office-manager", "counselor", "health-office"]
    assert str(nina.expires) == "2027-06-30"
