"""The lost super user path (the UK guide's section 10.2): `rolebook reinstate --super-user`, and its guide page."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from conftest import MINI_FILES, REPO_ROOT, git, git_init, make_mini_repo, run_cli

GUIDE = REPO_ROOT / "site/guides/lost-super-user.md"

# Ada Admin (90000001) was suspended and taken out of the access administrators; the two left have gone
# too (separated in HR), so nobody is left to approve. Lee Director is the senior manager.
GROUPS = """
    groups:
      - {id: access-administrators, name: Access administrators, members: ["90000002", "90000003"]}
      - {id: sped-operations, name: SPED Operations, members: ["90000004"]}
      - {id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}
      - id: senior-managers
        name: Senior managers
        members: ["90000005"]
    """
ITD = MINI_FILES["access/offices/ITD/grants.yaml"] + """
          - employee: "90000001"
            roles: [district-administrator]
            scope: {all_schools: true}
            granted: 2026-08-01
            expires: 2027-07-31
            status: suspended
        """


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_init(make_mini_repo(tmp_path / "repo", {"access/groups.yaml": GROUPS,
                                                       "access/offices/ITD/grants.yaml": ITD}))


def groups_at(repo: Path, ref: str = "HEAD") -> dict[str, list[str]]:
    return {g["id"]: g["members"] for g in yaml.safe_load(git(repo, "show", f"{ref}:access/groups.yaml"))["groups"]}


def test_restoring_a_super_user_puts_them_back_and_names_the_senior_managers(repo: Path, tmp_path: Path) -> None:
    body_file = tmp_path / "body.md"
    result = run_cli("reinstate", "--super-user", "--employee", "90000001", "--reason", "No administrator left",
                     "--pr-body", str(body_file), "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["action"] == "reinstate-super-user" and report["added_to_group"] is True
    assert report["approvers"] == {"group": "senior-managers", "members": ["90000005"]}
    assert report["removal_only"] is False and report["branch"] == "access/super-user-90000001"
    assert report["files"] == ["access/groups.yaml", "access/offices/ITD/grants.yaml"]

    assert groups_at(repo)["access-administrators"] == ["90000002", "90000003", "90000001"]
    itd = yaml.safe_load(git(repo, "show", "HEAD:access/offices/ITD/grants.yaml"))["grants"]
    assert {g["employee"]: g.get("status", "active") for g in itd}["90000001"] == "active"
    # Only the changed line of groups.yaml differs: its other lines are kept byte for byte.
    diff = git(repo, "diff", "main", "HEAD", "--", "access/groups.yaml")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in {"+++", "---"}]
    assert changed == ['-  - {id: access-administrators, name: Access administrators, members: ["90000002", "90000003"]}',
                       '+  - {id: access-administrators, name: Access administrators, members: ["90000002", "90000003", '
                       '"90000001"]}']

    body = body_file.read_text()
    assert "section 10.2" in body and "senior managers group 'senior-managers'" in body and "90000005" in body
    assert "rolebook:removal" not in body  # it gives access back: never a removal-only change
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("Restore super user Ada Admin (access-administrators)")
    assert "Reason: No administrator left" in message


def test_without_a_senior_managers_group_it_is_refused_at_the_policy(tmp_path: Path) -> None:
    named = re.sub(r"^senior_managers:.*\n", "", (REPO_ROOT / "roles/policy.yaml").read_text(), flags=re.MULTILINE)
    policy = named + "\nsenior_managers: board-of-directors\n"
    repo = git_init(make_mini_repo(tmp_path / "repo", {"roles/policy.yaml": policy}))
    line = policy.splitlines().index("senior_managers: board-of-directors") + 1
    result = run_cli("reinstate", "--super-user", "--employee", "90000001", cwd=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"roles/policy.yaml:{line}: senior_managers names 'board-of-directors', but access/groups.yaml has no " \
           "such group" in result.stderr
    assert git(repo, "branch", "--list", "access/*") == ""


def test_a_senior_managers_group_with_nobody_to_sign_is_refused_at_its_line(repo: Path) -> None:
    # Lee Director is the only senior manager: he cannot approve restoring himself.
    result = run_cli("reinstate", "--super-user", "--employee", "90000005", cwd=repo)
    assert result.returncode == 2
    assert "access/groups.yaml:5: the group 'senior-managers' has no member who could approve" in result.stderr


def test_nothing_lost_and_separated_people_are_refused(repo: Path) -> None:
    present = run_cli("reinstate", "--super-user", "--employee", "90000002", cwd=repo)
    assert present.returncode == 2
    assert "access/groups.yaml:2: Dan Deputy (90000002) is already in 'access-administrators'" in present.stderr
    staff = repo / "access/staff.yaml"
    staff.write_text(staff.read_text().replace("position: Access Administrator, hr_status: processed, "
                                               "locations: [ITD], git_username: ada-itd",
                                               "position: Access Administrator, hr_status: separated, "
                                               "locations: [ITD], git_username: ada-itd"))
    separated = run_cli("reinstate", "--super-user", "--employee", "90000001", cwd=repo)
    assert separated.returncode == 2 and "separated in HR" in separated.stderr
    mixed = run_cli("reinstate", "--super-user", "--employee", "90000002", "--all", cwd=repo)
    assert mixed.returncode == 2 and "leave out --school and --all" in mixed.stderr


def test_the_guide_page_walks_through_the_command_that_works(repo: Path, tmp_path: Path) -> None:
    page = GUIDE.read_text()
    assert page.startswith("---\ntitle: Lost your only super user\n---")
    commands = [shlex.split(line.strip()) for line in page.splitlines()
                if line.strip().startswith("rolebook reinstate --super-user")]
    assert len(commands) == 2  # a dry run first, then the change
    for words in commands:
        args = [("90000001" if word == "EMPLOYEE" else str(tmp_path / word) if word == "body.md" else word)
                for word in words[1:]]
        result = run_cli(*args, cwd=repo)
        assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "access/super-user-90000001"
    assert "senior-managers" in (tmp_path / "body.md").read_text()
    assert "git push -u origin access/super-user-EMPLOYEE" in page  # the branch the command names


def test_the_gate_asks_a_senior_manager_for_the_restoration(repo: Path) -> None:
    assert run_cli("reinstate", "--super-user", "--employee", "90000001", cwd=repo).returncode == 0
    result = run_cli("approvals", "--base", "main", "--head", "HEAD", "--author", "someone-else", "--format", "json",
                     cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    needed = json.loads(result.stdout)["requirements"]
    assert [r["eligible"] for r in needed] == [["lee-ld"]]  # the senior managers only, never the restored person
