"""Pull-request mode on real Git repositories: new vs pre-existing findings, the access diff, removals."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_cli, write_files

SCHOOL_100 = "access/schools/100/grants.yaml"


def _grants_100(*extra: str, keep_all: bool = True) -> str:
    text = (
        'location: "100"\n'
        "grants:\n"
        '  - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}\n'
    )
    if keep_all:
        text += (
            '  - {employee: "10000002", roles: [office-manager, health-office], granted: 2026-08-01, '
            "expires: 2027-07-31}\n"
            '  - {employee: "10000003", roles: [teacher], granted: 2026-08-01, expires: 2027-07-31}\n'
        )
    return text + "".join(extra)


def _commit(root: Path, files: dict[str, str | None], message: str) -> None:
    write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _validate(root: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run_cli("validate", "--base", "main", "--format", "json", *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_only_new_errors_block_and_old_ones_are_shown(git_repo: Path) -> None:
    # Old problems on main: a guest-looking Git username (RB105) and a secondary role at an elementary
    # school (RB203). Neither is this change's fault.
    staff = (git_repo / "access/staff.yaml").read_text().replace(
        'locations: ["200"]}', 'locations: ["200"], git_username: guest-desk}', 1)
    _commit(git_repo, {"access/staff.yaml": staff,
                       SCHOOL_100: _grants_100(
                           '  - {employee: "10000003", roles: [counselor-plus], granted: 2026-08-01, '
                           "expires: 2027-07-31}\n")}, "Old problems")
    git(git_repo, "checkout", "-q", "-b", "request")
    # The change: a classified office manager gets Teacher at school 200 (RB204 and RB104: new errors).
    grants_200 = (git_repo / "access/schools/200/grants.yaml").read_text() + (
        '  - employee: "10000002"\n    roles: [teacher]\n    granted: 2026-08-01\n    expires: 2027-07-31\n')
    _commit(git_repo, {"access/schools/200/grants.yaml": grants_200}, "Request Teacher")

    code, data = _validate(git_repo)
    assert code == 1
    new = {f["code"] for f in data["findings"] if f["severity"] == "error"}
    assert "RB204" in new and "RB105" not in new and "RB203" not in new
    assert all(f["file"] == "access/schools/200/grants.yaml" for f in data["findings"] if f["severity"] == "error")
    old = {f["code"] for f in data["preexisting"]}
    assert "RB105" in old  # a directory-wide rule runs everywhere; its old finding is shown, not blocking
    assert data["summary"]["checked_locations"] == ["200"]
    assert any(c["change"] == "added" and c["role"] == "teacher" and c["location"] == "200"
               for c in data["access_diff"])

    text = run_cli("validate", "--base", "main", cwd=git_repo)
    assert text.returncode == 1
    assert "New problems in this change" in text.stdout and "Already on main" in text.stdout
    assert "RB105" in text.stdout.split("Already on main")[1]

    # With --full the untouched school is re-checked too: its old error is shown as pre-existing.
    _, full = _validate(git_repo, "--full")
    assert "RB203" in {f["code"] for f in full["preexisting"]}
    assert "RB203" not in {f["code"] for f in full["findings"]}


def test_clean_change_exits_0_and_prints_the_access_diff(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "health-office")
    grants_200 = (git_repo / "access/schools/200/grants.yaml").read_text().replace(
        "roles: [office-manager]", "roles: [office-manager, health-office]")
    write_files(git_repo, {"access/schools/200/grants.yaml": grants_200})  # uncommitted: the working tree counts
    result = run_cli("validate", "--base", "main", cwd=git_repo)
    assert result.returncode == 0, result.stdout
    assert "Nina Novak (20000003) gains Health Office at Oak High School" in result.stdout
    assert "moderate security" in result.stdout or "low security" in result.stdout or "high security" in result.stdout

    summary = git_repo.parent / "summary.md"
    run_cli("validate", "--base", "main", "--summary", str(summary), cwd=git_repo)
    assert "➕ gains" in summary.read_text() and "Health Office" in summary.read_text()


def test_removal_delta_needs_an_acknowledgement(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "cleanup")
    _commit(git_repo, {SCHOOL_100: _grants_100(keep_all=False)}, "Remove two grants")
    code, data = _validate(git_repo)
    assert code == 1
    removal = [f for f in data["findings"] if f["code"] == "RB408"]
    assert removal and "removes 2 of 3 grants" in removal[0]["message"]
    assert sum(c["change"] == "removed" for c in data["access_diff"]) == 3  # three roles lost

    acknowledged = 'acknowledge_removals: "Both left in June (HR ticket 4711)"\n' + _grants_100(keep_all=False)
    _commit(git_repo, {SCHOOL_100: acknowledged}, "Acknowledge")
    code, data = _validate(git_repo)
    assert code == 0, data["findings"]
    assert not [f for f in data["findings"] if f["code"] == "RB408"]


def test_without_base_the_removal_rule_is_silent(git_repo: Path) -> None:
    write_files(git_repo, {SCHOOL_100: _grants_100(keep_all=False)})
    result = run_cli("validate", "--format", "json", cwd=git_repo)
    assert "RB408" not in {f["code"] for f in json.loads(result.stdout)["findings"]}


def test_unknown_base_exits_2(git_repo: Path) -> None:
    result = run_cli("validate", "--base", "no-such-branch", cwd=git_repo)
    assert result.returncode == 2
    assert "unknown Git revision 'no-such-branch'" in result.stderr
