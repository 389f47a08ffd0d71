"""The approval gate and a lost super user's restoration (the UK guide's section 10.2): a pull request that
only puts one person back in the access administrators and reactivates their locked or suspended grants
needs one senior manager, read at the base, and nothing else; anything more is a normal pull request.
Real Git repositories and the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI_FILES, REPO_ROOT, git, git_init, make_mini_repo, run_cli

ADMINS_LINE = '  - {id: access-administrators, name: Access administrators, members: ["90000002", "90000003"]}'
GROUPS = f"""groups:
{ADMINS_LINE}
  - {{id: sped-operations, name: SPED Operations, members: ["90000004"]}}
  - {{id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}}
  - {{id: senior-managers, name: Senior managers, members: ["90000005", "90000001"]}}
"""
ITD = MINI_FILES["access/offices/ITD/grants.yaml"] + """
          - employee: "90000001"
            roles: [district-administrator]
            scope: {all_schools: true}
            granted: 2026-08-01
            expires: 2027-07-31
            status: suspended
        """
ITD_FILE = "access/offices/ITD/grants.yaml"


def make_repo(tmp_path: Path, overrides: dict[str, str | None] | None = None) -> Path:
    files: dict[str, str | None] = {"access/groups.yaml": GROUPS, ITD_FILE: ITD, **(overrides or {})}
    root = git_init(make_mini_repo(tmp_path / "repo", files))
    git(root, "checkout", "-q", "-b", "restore")
    return root


def restore(root: Path, *, status_to: str = "active") -> None:
    """Ada Admin (90000001) back in the access administrators, her suspended grant active again."""
    groups = root / "access/groups.yaml"
    groups.write_text(groups.read_text().replace(ADMINS_LINE, ADMINS_LINE.replace('"90000003"]', '"90000003", "90000001"]')))
    itd = root / ITD_FILE
    itd.write_text(itd.read_text().replace("status: suspended", f"status: {status_to}"))


def commit(root: Path, message: str = "Restore super user Ada Admin") -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def gate(root: Path, approvers: tuple[str, ...] = (), author: str = "dan-itd") -> Any:
    head = git(root, "rev-parse", "HEAD")
    listed = root.parent / "reviews.json"
    listed.write_text(json.dumps([
        {"id": n, "user": {"login": login}, "state": "APPROVED", "commit_id": head,
         "submitted_at": f"2026-11-22T10:0{n}:00Z"} for n, login in enumerate(approvers, 1)]))
    return run_cli("approvals", "--base", "main", "--head", "HEAD", "--author", author, "--reviews", str(listed),
                   "--format", "json", cwd=root)


def report(result: Any) -> dict[str, Any]:
    assert result.returncode in (0, 1), result.stderr
    return dict(json.loads(result.stdout))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def test_one_senior_manager_signs_the_restoration_and_nobody_else_is_asked(repo: Path) -> None:
    restore(repo)
    commit(repo)
    waiting = report(gate(repo))
    assert waiting["restores_super_user"] == "90000001" and not waiting["satisfied"]
    (only,) = waiting["requirements"]
    assert only["label"] == "Senior managers" and only["eligible"] == ["lee-ld"]  # never Ada herself
    assert only["items"] == ["restoring Ada Admin (90000001) as a super user: back in Access administrators, with "
                             "their locked or suspended grants active again"]
    assert report(gate(repo, ("ada-itd",)))["satisfied"] is False  # the restored person never counts
    signed = gate(repo, ("lee-ld",))
    assert signed.returncode == 0, signed.stdout


def test_a_locked_grant_reactivated_is_a_restoration_too(repo: Path) -> None:
    itd = repo / ITD_FILE
    itd.write_text(itd.read_text().replace("status: suspended", "status: locked"))
    commit(repo, "locked instead")
    git(repo, "branch", "-f", "main", "HEAD")
    restore(repo)
    commit(repo)
    assert report(gate(repo))["restores_super_user"] == "90000001"


def test_the_senior_managers_author_never_counts(repo: Path) -> None:
    restore(repo)
    commit(repo)
    result = report(gate(repo, ("lee-ld",), author="lee-ld"))
    assert result["requirements"][0]["eligible"] == [] and not result["satisfied"]


@pytest.mark.parametrize("extra", ["another grant", "another group", "a later expiry", "the staff file"])
def test_anything_more_is_a_normal_pull_request(repo: Path, extra: str) -> None:
    restore(repo)
    if extra == "another grant":
        grants = repo / "access/schools/200/grants.yaml"
        grants.write_text(grants.read_text() + '  - employee: "20000002"\n    roles: [teacher]\n'
                          "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    elif extra == "another group":
        groups = repo / "access/groups.yaml"
        groups.write_text(groups.read_text().replace('members: ["90000004"]', 'members: ["90000004", "30000001"]'))
    elif extra == "a later expiry":
        itd = repo / ITD_FILE
        itd.write_text(itd.read_text().replace("expires: 2027-07-31\n    status: active",
                                               "expires: 2028-07-31\n    status: active"))
    else:
        staff = repo / "access/staff.yaml"
        staff.write_text(staff.read_text().replace("git_username: ada-itd", "git_username: ada-admin"))
    commit(repo)
    result = report(gate(repo, ("lee-ld",)))
    assert result["restores_super_user"] is None and not result["satisfied"]
    assert "Access administrators" in [r["label"] for r in result["requirements"]]


def test_adding_two_people_is_no_restoration(repo: Path) -> None:
    restore(repo)
    groups = repo / "access/groups.yaml"
    groups.write_text(groups.read_text().replace('"90000001"]}', '"90000001", "90000004"]}', 1))
    commit(repo)
    assert report(gate(repo, ("lee-ld",)))["restores_super_user"] is None


def test_without_senior_managers_nobody_can_sign_and_the_checklist_says_so(tmp_path: Path) -> None:
    named = re.sub(r"^senior_managers:.*\n", "", (REPO_ROOT / "roles/policy.yaml").read_text(), flags=re.MULTILINE)
    policy = named + "\nsenior_managers: null\n"
    repo = make_repo(tmp_path, {"roles/policy.yaml": policy})
    restore(repo)
    commit(repo)
    result = report(gate(repo, ("lee-ld", "dan-itd")))
    (only,) = result["requirements"]
    assert only["eligible"] == [] and not result["satisfied"]
    assert "names no senior_managers group, so nobody can sign a super user's restoration" in only["note"]
    markdown = run_cli("approvals", "--base", "main", "--head", "HEAD", "--author", "dan-itd", cwd=repo)
    assert markdown.returncode == 1 and "**nobody can approve this yet**" in markdown.stdout


def test_an_empty_senior_managers_group_signs_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"access/groups.yaml": GROUPS.replace('members: ["90000005", "90000001"]',
                                                                     "members: []")})
    restore(repo)
    commit(repo)
    (only,) = report(gate(repo, ("lee-ld",)))["requirements"]
    assert only["eligible"] == [] and "the group 'senior-managers' has no member with a Git username" in only["note"]


def test_the_senior_managers_are_read_at_the_base(repo: Path) -> None:
    restore(repo)
    commit(repo)
    git(repo, "checkout", "-q", "main")  # meanwhile the base names Olga Ops a senior manager too
    groups = repo / "access/groups.yaml"
    groups.write_text(groups.read_text().replace('["90000005", "90000001"]', '["90000005", "90000001", "90000004"]'))
    commit(repo, "Olga Ops joins the senior managers")
    git(repo, "checkout", "-q", "restore")
    result = report(gate(repo, ("olga-sped",)))
    assert result["restores_super_user"] == "90000001"
    assert result["requirements"][0]["eligible"] == ["lee-ld", "olga-sped"] and result["satisfied"]
