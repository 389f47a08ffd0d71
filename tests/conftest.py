"""Shared test helpers: a minimal access repository, real Git repositories, and the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"

# A minimal district: one local district, an elementary and a high school, two offices.
# Principals have Git usernames; the access administrators are three people, as the UK guide asks.
MINI_FILES: dict[str, str] = {
    "access/district.yaml": """
        organisation: {name: Test Unified, types: [school-district]}
        clusters:
          - {id: ld-test, name: Local District Test, approvers: ld-test-admins}
        schools:
          - {code: "100", name: Maple Elementary, level: elementary, enrollment: 600, cluster: ld-test}
          - {code: "200", name: Oak High School, level: high, enrollment: 1500, cluster: ld-test}
        offices:
          - {code: SPEDOPS, name: SPED Operations, approvers: sped-operations}
          - {code: ITD, name: Information Technology Division, approvers: access-administrators}
        """,
    "access/groups.yaml": """
        groups:
          - {id: access-administrators, name: Access administrators, members: ["90000001", "90000002", "90000003"]}
          - {id: sped-operations, name: SPED Operations, members: ["90000004"]}
          - {id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}
        """,
    "access/staff.yaml": """
        staff:
          - {employee: "90000001", last_name: Admin, first_name: Ada, staff_type: classified, position: Access Administrator, hr_status: processed, locations: [ITD], git_username: ada-itd}
          - {employee: "90000002", last_name: Deputy, first_name: Dan, staff_type: classified, position: Access Administrator, hr_status: processed, locations: [ITD], git_username: dan-itd}
          - {employee: "90000003", last_name: Second, first_name: Sue, staff_type: classified, position: Access Administrator, hr_status: processed, locations: [ITD], git_username: sue-itd}
          - {employee: "90000004", last_name: Ops, first_name: Olga, staff_type: certificated, position: SPED Operations Administrator, hr_status: processed, locations: [SPEDOPS], git_username: olga-sped}
          - {employee: "90000005", last_name: Director, first_name: Lee, staff_type: certificated, position: Local District Director, hr_status: processed, locations: [ITD], git_username: lee-ld}
          - {employee: "10000001", last_name: Park, first_name: Pat, staff_type: certificated, position: Principal, hr_status: processed, locations: ["100"], git_username: pat-park}
          - {employee: "10000002", last_name: Rivera, first_name: Rosa, staff_type: classified, position: Office Manager, hr_status: processed, locations: ["100"]}
          - {employee: "10000003", last_name: Chen, first_name: Carl, staff_type: certificated, position: Teacher, hr_status: processed, locations: ["100"]}
          - {employee: "20000001", last_name: Okafor, first_name: Ngozi, staff_type: certificated, position: Principal, hr_status: processed, locations: ["200"], git_username: ngozi-o}
          - {employee: "20000002", last_name: Silva, first_name: Sam, staff_type: certificated, position: Counselor, hr_status: processed, locations: ["200"]}
          - {employee: "20000003", last_name: Novak, first_name: Nina, staff_type: classified, position: Office Technician, hr_status: processed, locations: ["200"]}
          - {employee: "30000001", last_name: Jones, first_name: Jo, staff_type: certificated, position: Transportation Specialist, hr_status: processed, locations: [SPEDOPS]}
        """,
    "access/schools/100/grants.yaml": """
        location: "100"
        grants:
          - employee: "10000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2027-07-31
            reason: Principal of Maple Elementary
          - employee: "10000002"
            roles: [office-manager, health-office]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "10000003"
            roles: [teacher]
            granted: 2026-08-01
            expires: 2027-07-31
        """,
    "access/schools/200/grants.yaml": """
        location: "200"
        grants:
          - employee: "20000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "20000002"
            roles: [counselor]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "20000003"
            roles: [office-manager]
            granted: 2026-08-01
            expires: 2027-07-31
        """,
    "access/offices/SPEDOPS/grants.yaml": """
        location: SPEDOPS
        grants:
          - employee: "30000001"
            roles: [sped-viewers]
            granted: 2026-08-01
            expires: 2027-07-31
        """,
    "access/offices/ITD/grants.yaml": """
        location: ITD
        grants:
          - employee: "90000005"
            roles: [district-administrator]
            scope: {cluster: ld-test}
            granted: 2026-08-01
            expires: 2027-07-31
        """,
}


def write_files(root: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete) files under root. Text is dedented, so tests can indent it."""
    for relative, text in files.items():
        path = root / relative
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def make_mini_repo(root: Path, overrides: dict[str, str | None] | None = None) -> Path:
    """The real role catalog and policy, with the minimal district above and any overrides laid on top."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "roles", root / "roles", dirs_exist_ok=True)
    write_files(root, dict(MINI_FILES))
    if overrides:
        write_files(root, overrides)
    return root


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    return make_mini_repo(tmp_path / "repo")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-01T10:00:00Z"}
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env)
    return result.stdout.strip()


def git_init(root: Path, message: str = "Initial access data") -> Path:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Runner")
    git(root, "config", "user.email", "runner@example.org")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root


@pytest.fixture
def git_repo(mini_repo: Path) -> Path:
    return git_init(mini_repo)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI, as a subprocess, with today's date pinned."""
    full_env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run([sys.executable, "-m", "rolebook", *args], cwd=cwd, env=full_env, text=True,
                          capture_output=True, input=input_text, timeout=600)


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli


def open_pull_request(number: int, entry: dict[str, Any]) -> dict[str, Any]:
    """One item of GET /repos/{owner}/{repo}/pulls (as the workflows' `gh api .../pulls?state=open` lists it)
    for a branch `rolebook review schedule` prepared: the fields the schedule reads and their neighbours."""
    return {
        "url": f"https://api.github.com/repos/district/access/pulls/{number}", "number": number, "state": "open",
        "title": entry["title"], "user": {"login": "rolebook-automation[bot]", "type": "Bot"},
        "body": Path(entry["body_file"]).read_text(),
        "head": {"label": f"district:{entry['branch']}", "ref": entry["branch"], "sha": entry["commit"],
                 "repo": {"full_name": "district/access"}},
        "base": {"label": "district:main", "ref": "main", "sha": "0" * 40, "repo": {"full_name": "district/access"}},
        "draft": False,
    }
