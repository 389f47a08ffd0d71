"""Movers: a change of position at the same school puts the person's grants up for review in a PR of their own.

Real Git repositories, the real CLI, GitHub's REST shape for the open pull requests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import MINI_FILES, REPO_ROOT, TODAY, git, git_init, make_mini_repo, run_cli
from rolebook.facts import removal_marker

EXPORT = Path(__file__).parent / "fixtures" / "hr" / "export.csv"
MOVER_BRANCH = f"hr/mover-10000003-{TODAY}"
NIGHTLY_BRANCH = f"hr/leavers-{TODAY}"

# Teacher is for teachers only here (its eligibility names the position), so a Teacher who becomes an
# Assistant Principal loses it; School Full Read stays open to certificated staff, so the principal is asked.
TEACHER_ONLY = (REPO_ROOT / "roles/teacher.yaml").read_text().replace(
    "  staff_types: [certificated]\n", "  staff_types: [certificated]\n  positions: [Teacher]\n")
SCHOOL_100 = MINI_FILES["access/schools/100/grants.yaml"].replace(
    "roles: [teacher]", "roles: [teacher, school-full-read]")


def mover_repo(tmp_path: Path) -> Path:
    return git_init(make_mini_repo(tmp_path / "repo", {"roles/teacher.yaml": TEACHER_ONLY,
                                                        "access/schools/100/grants.yaml": SCHOOL_100}))


def export_with(tmp_path: Path, old: str, new: str) -> Path:
    text = EXPORT.read_text()
    assert old in text
    path = tmp_path / "hr.csv"
    path.write_text(text.replace(old, new))
    return path


# Carl Chen stays at Maple Elementary (100), now an Assistant Principal (in the fixture he is separated).
CARL_PROMOTED = ("10000003,Chen,Carl,certificated,Teacher,separated,100",
                 "10000003,Chen,Carl,certificated,Assistant Principal,processed,100")


def sync(repo: Path, export: Path, *extra: str) -> dict:
    result = run_cli("hr", "sync", "--export", str(export), "--pr-body", str(repo.parent / "body.md"),
                     "--format", "json", *extra, cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_mover_gets_a_pr_of_their_own_with_removals_and_questions(tmp_path: Path) -> None:
    repo = mover_repo(tmp_path)
    report = sync(repo, export_with(tmp_path, *CARL_PROMOTED))
    assert report["reassigned"] == ["10000003"]
    [mover] = report["mover_prs"]
    assert mover["branch"] == MOVER_BRANCH and mover["title"] == "Review access: Carl Chen is now Assistant Principal"
    assert mover["removed"] == [{"location": "100", "role": "teacher", "why": "only for Teacher"}]
    assert mover["questions"] == [{"location": "100", "role": "school-full-read"}]
    assert git(repo, "rev-parse", f"{MOVER_BRANCH}^") == git(repo, "rev-parse", "main")  # on main, not stacked

    # The mover's branch: Teacher gone, School Full Read kept for the principal to decide, the new position.
    grants = yaml.safe_load(git(repo, "show", f"{MOVER_BRANCH}:access/schools/100/grants.yaml"))["grants"]
    assert {g["employee"]: g["roles"] for g in grants}["10000003"] == ["school-full-read"]
    staff = {m["employee"]: m for m in yaml.safe_load(git(repo, "show", f"{MOVER_BRANCH}:access/staff.yaml"))["staff"]}
    assert staff["10000003"]["position"] == "Assistant Principal"
    assert staff["20000002"]["locations"] == ["200"]  # the nightly change's transfer is not in here

    body = Path(mover["body_file"]).read_text()
    marker = removal_marker.parse(body)
    assert marker.by == "hr-mover" and marker.remove == {"10000003": {"100"}} and marker.staff == {"10000003"}
    assert "**Teacher** to **Assistant Principal**" in body
    assert "| 100 Maple Elementary | Teacher (`teacher`) | only for Teacher |" in body
    assert "Asked of: Pat Park (@pat-park)" in body
    assert "- [ ] **School Full Read** (`school-full-read`) is still needed as Assistant Principal" in body
    message = git(repo, "log", "-1", "--format=%B", MOVER_BRANCH)
    assert "Rolebook-Change: hr-mover" in message and removal_marker.parse(message).remove == marker.remove

    # The nightly change leaves the mover to their own PR: neither their entry nor their grants are in it.
    nightly_body = (repo.parent / "body.md").read_text()
    nightly = removal_marker.parse(nightly_body)
    assert "10000003" not in nightly.employees
    assert "- 10000003 Carl Chen: Teacher to Assistant Principal" in nightly_body.split(
        "## Changes of position: reviewed in pull requests of their own")[1]
    nightly_staff = {m["employee"]: m for m in
                     yaml.safe_load(git(repo, "show", f"{NIGHTLY_BRANCH}:access/staff.yaml"))["staff"]}
    assert nightly_staff["10000003"]["position"] == "Teacher"


def open_prs(tmp_path: Path, prs: list[dict]) -> Path:
    path = tmp_path / "open-prs.json"
    path.write_text(json.dumps([{"url": f"https://api.github.com/repos/district/access/pulls/{p['number']}",
                                 "state": "open", "user": {"login": "rolebook-automation[bot]"},
                                 "base": {"ref": "main"}, **p} for p in prs]))
    return path


def test_second_night_with_the_mover_pr_open_opens_no_second_one(tmp_path: Path) -> None:
    repo = mover_repo(tmp_path)
    export = export_with(tmp_path, *CARL_PROMOTED)
    first = sync(repo, export)
    [mover] = first["mover_prs"]
    prs = open_prs(tmp_path, [
        {"number": 51, "title": first["title"], "head": {"ref": NIGHTLY_BRANCH, "sha": first["commit"]},
         "body": (repo.parent / "body.md").read_text()},
        {"number": 52, "title": mover["title"], "head": {"ref": MOVER_BRANCH, "sha": mover["commit"]},
         "body": Path(mover["body_file"]).read_text()},
    ])
    again = sync(repo, export, "--open-prs", str(prs))
    assert again["reassigned"] == [] and again["mover_prs"] == []
    assert again["action"] == "none"
    assert git(repo, "branch", "--list", "hr/mover-*").split() == [MOVER_BRANCH]

    # Nor does any other removal command take the mover's grants there while the review is open.
    revoke = run_cli("revoke", "--employee", "10000003", "--school", "100", "--all", "--open-prs", str(prs),
                     "--dry-run", cwd=repo)
    assert revoke.returncode == 2 and "#52" in revoke.stderr


def test_same_position_or_no_access_left_is_no_mover(tmp_path: Path) -> None:
    repo = mover_repo(tmp_path)
    # Sam Silva moves school as a Counselor: a transfer, the nightly PR's. Jo Jones takes a new position and
    # leaves SPEDOPS, where his only grant is: it goes with the transfer, and nothing is left to review.
    export = export_with(tmp_path, "30000001,Jones,Jo,certificated,Transportation Specialist,processed,SPEDOPS,,yes",
                         "30000001,Jones,Jo,certificated,Bus Coordinator,processed,ITD,,no")
    report = sync(repo, export)
    assert report["reassigned"] == [] and report["mover_prs"] == []
    assert report["movers"] == ["20000002", "30000001"]  # transfers: access removed where they left
    staff = {m["employee"]: m for m in
             yaml.safe_load(git(repo, "show", f"{NIGHTLY_BRANCH}:access/staff.yaml"))["staff"]}
    assert staff["30000001"]["position"] == "Bus Coordinator"  # nothing to review: the nightly PR updates it


def test_no_branch_writes_the_mover_change_in_place_too(tmp_path: Path) -> None:
    repo = mover_repo(tmp_path)
    outputs = tmp_path / "outputs.txt"
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "GITHUB_OUTPUT": str(outputs)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    result = subprocess.run([sys.executable, "-m", "rolebook", "hr", "sync", "--export",
                             str(export_with(tmp_path, *CARL_PROMOTED)), "--no-branch"],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "10000003: changed position, grants up for review" in result.stdout
    staff = {m["employee"]: m for m in yaml.safe_load((repo / "access/staff.yaml").read_text())["staff"]}
    assert staff["10000003"]["position"] == "Assistant Principal"
    assert staff["20000002"]["locations"] == ["100"]  # the nightly change, written first, is kept
    grants = yaml.safe_load((repo / "access/schools/100/grants.yaml").read_text())["grants"]
    assert {g["employee"]: g["roles"] for g in grants}["10000003"] == ["school-full-read"]
    assert "mover_prs=[]" in outputs.read_text()  # nothing was committed, so no PR to open
    assert git(repo, "branch", "--list", "hr/*") == ""


def test_github_output_lists_the_mover_prs_on_one_line(tmp_path: Path) -> None:
    repo = mover_repo(tmp_path)
    outputs = tmp_path / "outputs.txt"
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "GITHUB_OUTPUT": str(outputs)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    result = subprocess.run([sys.executable, "-m", "rolebook", "hr", "sync", "--export",
                             str(export_with(tmp_path, *CARL_PROMOTED)), "--pr-body", str(tmp_path / "body.md")],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    line = next(x for x in outputs.read_text().splitlines() if x.startswith("mover_prs="))
    [mover] = json.loads(line.removeprefix("mover_prs="))
    assert mover["branch"] == MOVER_BRANCH and Path(mover["body_file"]).name == "body.md.mover-10000003.md"
