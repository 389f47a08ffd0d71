"""The approval gate and movers: a new position or staff type in the staff directory, for someone who holds
grants at a location, needs that location's approvers as well as the access administrators. Real Git
repositories, the real CLI (`rolebook hr sync` makes the mover's pull request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import TODAY, git, git_init, make_mini_repo, run_cli

EXPORT = Path(__file__).parent / "fixtures" / "hr" / "export.csv"
STAFF = "access/staff.yaml"


def gate(root: Path, head: str = "HEAD", approvers: tuple[str, ...] = ()) -> Any:
    sha = git(root, "rev-parse", head)
    listed = root.parent / "reviews.json"
    listed.write_text(json.dumps([
        {"id": n, "user": {"login": login}, "state": "APPROVED", "commit_id": sha,
         "submitted_at": f"2026-11-22T10:0{n}:00Z"} for n, login in enumerate(approvers, 1)]))
    return run_cli("approvals", "--base", "main", "--head", head, "--author", "rolebook-hr[bot]",
                   "--reviews", str(listed), "--format", "json", cwd=root)


def labels(result: Any) -> dict[str, list[str]]:
    assert result.returncode in (0, 1), result.stderr
    return {r["label"]: r["items"] for r in json.loads(result.stdout)["requirements"]}


def edit_staff(root: Path, old: str, new: str) -> None:
    path = root / STAFF
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    git(root, "checkout", "-q", "-b", "hr/mover")
    git(root, "commit", "-q", "-am", "HR: a new position")


def test_the_mover_pull_request_of_hr_sync_asks_the_principal(tmp_path: Path) -> None:
    # Carl Chen, a Teacher at Maple Elementary, becomes an Assistant Principal there. Teacher stays open
    # to him (certificated staff), so the pull request only changes his staff record: without this rule
    # only the access administrators would sign it, and the principal would never hear of it.
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    export = tmp_path / "hr.csv"
    export.write_text(EXPORT.read_text().replace("10000003,Chen,Carl,certificated,Teacher,separated,100",
                                                 "10000003,Chen,Carl,certificated,Assistant Principal,processed,100"))
    synced = run_cli("hr", "sync", "--export", str(export), "--pr-body", str(tmp_path / "body.md"),
                     "--format", "json", cwd=repo)
    assert synced.returncode == 0, synced.stderr
    [mover] = json.loads(synced.stdout)["mover_prs"]
    assert mover["branch"] == f"hr/mover-10000003-{TODAY}"
    needed = labels(gate(repo, mover["branch"]))
    assert needed["Principal of Maple Elementary"] == [
        "Carl Chen's entry in the staff directory: position Teacher -> Assistant Principal"]
    assert "Access administrators" in needed
    assert gate(repo, mover["branch"], ("dan-itd",)).returncode == 1
    assert gate(repo, mover["branch"], ("dan-itd", "pat-park")).returncode == 0


def test_a_staff_type_change_at_an_office_asks_the_offices_group(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    edit_staff(repo, "last_name: Jones, first_name: Jo, staff_type: certificated",
               "last_name: Jones, first_name: Jo, staff_type: classified")
    needed = labels(gate(repo))
    assert needed["SPED Operations"] == [
        "Jo Jones's entry in the staff directory: staff type certificated -> classified"]


def test_a_principal_who_moves_is_signed_for_by_the_level_up(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    edit_staff(repo, "first_name: Pat, staff_type: certificated, position: Principal",
               "first_name: Pat, staff_type: certificated, position: Teacher")
    result = json.loads(gate(repo).stdout)["requirements"]
    (moved,) = [r for r in result if r["escalated_from"] == "Principal of Maple Elementary"]
    assert moved["eligible"] == ["lee-ld"] and "position Principal -> Teacher" in moved["items"][0]


def test_someone_without_grants_or_another_field_asks_only_the_access_administrators(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    # Olga Ops holds no grant; Rosa Rivera's name is no position.
    edit_staff(repo, "position: SPED Operations Administrator", "position: SPED Director")
    path = repo / STAFF
    path.write_text(path.read_text().replace("first_name: Rosa,", "first_name: Rosalind,"))
    git(repo, "commit", "-q", "-am", "and a name")
    assert list(labels(gate(repo))) == ["Access administrators"]
