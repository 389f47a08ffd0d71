"""`rolebook lock`, `suspend` and `reinstate` on real Git repositories, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import MINI_FILES, git, git_init, make_mini_repo, run_cli
from rolebook.facts import removal_marker

# Rosa Rivera also works for SPED Operations, so that --all has two files to change.
SPEDOPS = MINI_FILES["access/offices/SPEDOPS/grants.yaml"] + """
          - employee: "10000002"
            roles: [sped-viewers]
            granted: 2026-08-01
            expires: 2027-07-31
            status: locked
            reason: SPED clerk
        """


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_init(make_mini_repo(tmp_path / "repo", {"access/offices/SPEDOPS/grants.yaml": SPEDOPS}))


def grant_of(repo: Path, file: str, employee: str, ref: str = "HEAD") -> dict:
    data = yaml.safe_load(git(repo, "show", f"{ref}:{file}"))
    return next(g for g in data["grants"] if g["employee"] == employee)


def run_json(repo: Path, *args: str) -> dict:
    result = run_cli(*args, "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_lock_at_one_school_is_a_removal_only_commit(repo: Path, tmp_path: Path) -> None:
    body_file = tmp_path / "body.md"
    report = run_json(repo, "lock", "--employee", "10000002", "--school", "100", "--reason", "Password problem",
                      "--pr-body", str(body_file))
    assert report["result"] == "committed" and report["branch"] == "access/lock-10000002-100"
    assert report["removal_only"] is True and report["locations"] == ["100"]
    assert report["grants"] == [{"file": "access/schools/100/grants.yaml", "line": 8,
                                 "roles": ["office-manager", "health-office"], "from": "active", "to": "locked"}]
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "access/lock-10000002-100"

    text = git(repo, "show", "HEAD:access/schools/100/grants.yaml")
    assert "    expires: 2027-07-31\n    status: locked\n  - employee: \"10000003\"" in text  # after expires
    assert grant_of(repo, "access/offices/SPEDOPS/grants.yaml", "10000002")["status"] == "locked"  # not touched

    body = body_file.read_text()
    marker = removal_marker.parse(body)
    assert marker.by == "lock" and marker.remove == {"10000002": {"100"}}
    assert "A removal-only change" in body and "section 6.1" in body
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("Lock Rosa Rivera's access at Maple Elementary")
    assert "Reason: Password problem" in message and "Employee: 10000002 (Rosa Rivera)" in message
    assert removal_marker.parse(message).remove == marker.remove  # gh pr create --fill carries it


def test_suspend_everywhere_covers_active_and_locked_grants(repo: Path) -> None:
    report = run_json(repo, "suspend", "--employee", "10000002", "--all")
    assert report["locations"] == ["SPEDOPS", "100"]  # in file order
    assert sorted((g["file"], g["from"]) for g in report["grants"]) == [
        ("access/offices/SPEDOPS/grants.yaml", "locked"), ("access/schools/100/grants.yaml", "active")]
    assert grant_of(repo, "access/schools/100/grants.yaml", "10000002")["status"] == "suspended"
    assert grant_of(repo, "access/offices/SPEDOPS/grants.yaml", "10000002")["status"] == "suspended"
    marker = removal_marker.parse(git(repo, "log", "-1", "--format=%B"))
    assert marker.by == "suspend" and marker.remove == {"10000002": {"100", "SPEDOPS"}}


def test_reinstate_is_a_normal_change_without_the_removal_marker(repo: Path, tmp_path: Path) -> None:
    body_file = tmp_path / "body.md"
    report = run_json(repo, "reinstate", "--employee", "10000002", "--school", "SPEDOPS", "--no-branch",
                      "--pr-body", str(body_file))
    assert report["removal_only"] is False and report["result"] == "committed"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"  # --no-branch: on the current branch
    grant = grant_of(repo, "access/offices/SPEDOPS/grants.yaml", "10000002")
    assert grant["status"] == "active" and grant["reason"] == "SPED clerk"
    body = body_file.read_text()
    assert "rolebook:removal" not in body and "removal-only" not in body
    assert "the location's approvers sign" in body


def test_dry_run_changes_nothing_and_no_commit_only_edits(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    dry = run_cli("lock", "--employee", "10000003", "--school", "100", "--dry-run", cwd=repo)
    assert dry.returncode == 0 and "+    status: locked" in dry.stdout and "dry run" in dry.stdout
    assert git(repo, "status", "--porcelain") == "" and git(repo, "rev-parse", "HEAD") == head
    edited = run_json(repo, "lock", "--employee", "10000003", "--school", "100", "--no-commit")
    assert edited["result"] == "edited" and git(repo, "rev-parse", "HEAD") == head
    assert "status: locked" in (repo / "access/schools/100/grants.yaml").read_text()


@pytest.mark.parametrize(("args", "expected"), [
    (["reinstate", "--employee", "10000002", "--school", "100"],
     "nothing to reinstate: access/schools/100/grants.yaml:8: the grant (office-manager, health-office) is "
     "already active"),
    (["lock", "--employee", "10000002", "--school", "SPEDOPS"],
     "nothing to lock: access/offices/SPEDOPS/grants.yaml:8: the grant (sped-viewers) is already locked"),
    (["lock", "--employee", "10000002", "--school", "200"],
     "access/schools/200/grants.yaml: Rosa Rivera (10000002) has no grant at Oak High School (they have grants "
     "at: 100, SPEDOPS)"),
    (["suspend", "--employee", "1000002", "--all"], "'1000002' is not an employee number"),
    (["suspend", "--employee", "10000002"], "give either --school LOCATION or --all"),
    (["suspend", "--employee", "10000002", "--school", "100", "--all"], "give either --school LOCATION or --all"),
    (["lock", "--employee", "10000002", "--school", "999"], "no school or office with code '999'"),
])
def test_bad_input_is_refused_with_exit_2(repo: Path, args: list[str], expected: str) -> None:
    result = run_cli(*args, cwd=repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr


def test_reinstating_an_expired_grant_is_refused_at_its_line(tmp_path: Path) -> None:
    expired = SPEDOPS.replace("granted: 2026-08-01\n            expires: 2027-07-31\n            status: locked",
                              "granted: 2025-08-01\n            expires: 2026-07-31\n            status: locked")
    repo = git_init(make_mini_repo(tmp_path / "repo", {"access/offices/SPEDOPS/grants.yaml": expired}))
    result = run_cli("reinstate", "--employee", "10000002", "--school", "SPEDOPS", cwd=repo)
    assert result.returncode == 2
    assert "access/offices/SPEDOPS/grants.yaml:8: the grant (sped-viewers) expired on 2026-07-31" in result.stderr
    assert "rolebook request" in result.stderr


def test_a_location_an_open_removal_pr_holds_is_refused(repo: Path, tmp_path: Path) -> None:
    prs = tmp_path / "open-prs.json"
    prs.write_text(json.dumps([{"number": 7, "state": "open", "head": {"ref": "hr/leavers-2026-11-22"},
                                "user": {"login": "rolebook-automation[bot]"},
                                "body": removal_marker.write("hr-sync", {"10000002": ["100"]})}]))
    refused = run_cli("lock", "--employee", "10000002", "--school", "100", "--open-prs", str(prs), cwd=repo)
    assert refused.returncode == 2 and "open pull request #7" in refused.stderr
    # With --all the held location is left to that PR and the rest is changed.
    report = run_json(repo, "suspend", "--employee", "10000002", "--all", "--open-prs", str(prs))
    assert report["locations"] == ["SPEDOPS"] and report["left_to_open_prs"] == {"100": 7}


def test_a_grants_file_that_does_not_load_is_named_at_its_line(repo: Path) -> None:
    path = repo / "access/schools/100/grants.yaml"
    path.write_text(path.read_text().replace('employee: "10000002"', "employee: 10000002"))
    result = run_cli("lock", "--employee", "10000002", "--school", "100", cwd=repo)
    assert result.returncode == 2 and "access/schools/100/grants.yaml:8:5:" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_each_command() -> None:
    for command, words in (("lock", "locked"), ("suspend", "denied access"), ("reinstate", "--super-user")):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and words in result.stdout and "--format" in result.stdout


def required_signers(repo: Path, base: str, head: str) -> list[tuple[str, list[str]]]:
    result = run_cli("approvals", "--base", base, "--head", head, "--author", "someone-else", "--format", "json",
                     cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    return [(r["label"], r["eligible"]) for r in json.loads(result.stdout)["requirements"]]


def test_the_gate_asks_one_removal_approver_for_a_lock_and_the_principal_for_a_reinstatement(repo: Path) -> None:
    assert run_cli("lock", "--employee", "10000002", "--school", "100", cwd=repo).returncode == 0
    [(_, eligible)] = required_signers(repo, "main", "HEAD")
    assert "pat-park" in eligible and "ada-itd" in eligible  # any removal approver: removal-only
    locked = git(repo, "rev-parse", "HEAD")
    assert run_cli("reinstate", "--employee", "10000002", "--school", "100", "--no-branch", cwd=repo).returncode == 0
    assert required_signers(repo, locked, "HEAD") == [("Principal of Maple Elementary", ["pat-park"])]
