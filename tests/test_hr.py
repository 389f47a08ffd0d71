"""The HR loop: `rolebook hr sync` on real Git repositories, with the real CLI and HR-shaped exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import TODAY, git, run_cli, write_files
from rolebook.facts import removal_marker
from rolebook.facts.resolve import effective_access
from rolebook.loading import load_repository

FIXTURES = Path(__file__).parent / "fixtures" / "hr"
EXPORT = FIXTURES / "export.csv"
BRANCH = f"hr/leavers-{TODAY}"  # a new branch each run, named by the day


def sync(repo: Path, *extra: str, export: Path = EXPORT) -> dict:
    result = run_cli("hr", "sync", "--export", str(export), "--pr-body", str(repo.parent / "body.md"),
                     "--format", "json", *extra, cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def on_branch(repo: Path, path: str, branch: str = BRANCH) -> str:
    return git(repo, "show", f"{branch}:{path}")


def grants_of(repo: Path, location_path: str, branch: str = BRANCH) -> dict[str, list[str]]:
    data = yaml.safe_load(on_branch(repo, location_path, branch))
    return {g["employee"]: g["roles"] for g in data["grants"] or []}


def open_prs(tmp: Path, prs: list[dict]) -> Path:
    """Open pull requests as GitHub's REST API lists them (only the fields we read, in their real places)."""
    path = tmp / "open-prs.json"
    full = [{"url": f"https://api.github.com/repos/district/access/pulls/{p['number']}", "state": "open",
             "title": "Remove access: separated staff", "user": {"login": "github-actions[bot]"},
             "base": {"ref": "main"}, **p} for p in prs]
    path.write_text(json.dumps(full))
    return path


def test_leaver_mover_pending_hire_and_expired_contractor(git_repo: Path) -> None:
    staff = git_repo / "access/staff.yaml"
    staff.write_text("# Imported from HR nightly; edit git_username by hand.\n" + staff.read_text())
    git(git_repo, "commit", "-qam", "Comment the staff file")
    before = staff.read_text()

    report = sync(git_repo)
    assert report["action"] == "create" and report["branch"] == BRANCH and report["new_commit"]
    assert report["title"] == "Remove access: separated staff"
    assert report["leavers"] == ["10000003"]
    assert report["movers"] == ["20000002"]
    assert report["expired_contractors"] == ["30000001"]
    assert report["pending"] == ["40000001"]
    assert report["employees"] == ["10000003", "20000002", "30000001"]
    assert staff.read_text() == before  # the change is on the branch; the working tree is untouched

    # Leaver: every grant gone.  Mover: removed at the school left (200), nothing given at the new one (100).
    school_100 = grants_of(git_repo, "access/schools/100/grants.yaml")
    school_200 = grants_of(git_repo, "access/schools/200/grants.yaml")
    assert "10000003" not in school_100
    assert "20000002" not in school_200 and "20000002" not in school_100
    assert "30000001" not in grants_of(git_repo, "access/offices/SPEDOPS/grants.yaml")  # contract ended 2026-10-31
    assert set(school_100) == {"10000001", "10000002"} and set(school_200) == {"20000001", "20000003"}

    new_staff = on_branch(git_repo, "access/staff.yaml")
    assert new_staff.startswith("# Imported from HR nightly")  # round-trip: comments survive
    people = {m["employee"]: m for m in yaml.safe_load(new_staff)["staff"]}
    assert people["10000003"]["hr_status"] == "separated"
    assert people["20000002"]["locations"] == ["100"]
    assert people["40000001"]["hr_status"] == "pending" and people["40000001"]["last_name"] == "O'Brien, Jr."
    assert people["30000001"]["contractor"] is True and people["30000001"]["sponsor"] == "90000004"
    assert people["10000001"]["git_username"] == "pat-park"

    body = (git_repo.parent / "body.md").read_text()
    marker = removal_marker.parse(body)
    assert body.startswith("<!-- rolebook:removal ") and marker.by == "hr-sync"
    assert marker.remove == {"10000003": {"100"}, "20000002": {"200"}, "30000001": {"SPEDOPS"}}
    assert "10000003" in marker.staff and "40000001" in marker.staff
    assert "one approval from an access administrator or a principal of an affected school is enough" in body
    assert "new request needed at 100" in body
    assert "## New hires pending in HR: kept blocked" in body and "40000001" in body
    message = git(git_repo, "log", "-1", "--format=%B", BRANCH)
    assert message.startswith("Remove access: separated staff")
    assert "a new request is needed at 100" in message
    assert "Rolebook-Employees: 10000003,20000002,30000001" in message
    assert git(git_repo, "rev-parse", f"{BRANCH}^") == git(git_repo, "rev-parse", "main")

    # The branch's data still loads, and the pending hire holds nothing.
    checkout = git_repo.parent / "checkout"
    git(git_repo, "worktree", "add", "-q", str(checkout), BRANCH)
    accesses = effective_access(load_repository(checkout))
    assert not [a for a in accesses if a.employee in {"10000003", "40000001", "30000001"}]


def test_second_run_with_the_pr_open_pushes_nothing_and_opens_nothing(git_repo: Path, tmp_path: Path) -> None:
    first = sync(git_repo)
    assert first["action"] == "create"
    body = (git_repo.parent / "body.md").read_text()
    prs = open_prs(tmp_path, [{"number": 41, "head": {"ref": BRANCH, "sha": first["commit"]}, "body": body}])

    again = sync(git_repo, "--open-prs", str(prs))
    assert again["action"] == "none" and again["branch"] is None and again["files"] == []
    assert again["in_other_prs"] == {"10000003": 41, "20000002": 41, "30000001": 41}
    assert git(git_repo, "rev-parse", BRANCH) == first["commit"]  # the open PR's head, untouched
    assert git(git_repo, "branch", "--list", "hr/*").split() == [BRANCH]

    # Asked for the open PR's own branch: refused, because a push there would void its approvals.
    refused = run_cli("hr", "sync", "--export", str(EXPORT), "--open-prs", str(prs), "--branch", BRANCH,
                      cwd=git_repo)
    assert refused.returncode == 2 and "branch of an open pull request" in refused.stderr
    assert git(git_repo, "rev-parse", BRANCH) == first["commit"]


def test_person_in_another_open_pr_is_left_to_it(git_repo: Path, tmp_path: Path) -> None:
    prs = open_prs(tmp_path, [{"number": 12, "head": {"ref": "offboard/10000003"},
                               "body": "Offboarding.\n<!-- rolebook:employees 10000003 -->"}])
    report = sync(git_repo, "--open-prs", str(prs))
    assert report["in_other_prs"] == {"10000003": 12}
    assert "10000003" not in report["employees"]
    assert "10000003" in grants_of(git_repo, "access/schools/100/grants.yaml")  # not removed a second time
    assert "at 100 left to #12" in (git_repo.parent / "body.md").read_text()


def test_mapping_file_renames_columns_and_status_words(git_repo: Path, tmp_path: Path) -> None:
    write_files(git_repo, {"access/hr-mapping.yaml": """
        columns: {employee_number: Emp No, hr_status: Assignment Status, location_codes: Sites, last_name: Surname}
        hr_status: {Active: processed, Terminated: separated, New Hire: pending}
        location_separator: "|"
        date_format: "%m/%d/%Y"
        """})
    export = tmp_path / "hr.csv"
    export.write_text(
        "Emp No,Surname,first_name,staff_type,position,Assignment Status,Sites,contractor,contract_end\n"
        "10000003,Chen,Carl,certificated,Teacher,TERMINATED,100,no,\n"
        "20000002,Silva,Sam,certificated,Counselor,Active,200|100,no,\n"
        "30000001,Jones,Jo,certificated,Transportation Specialist,Active,SPEDOPS,yes,12/31/2027\n")
    report = sync(git_repo, export=export)
    assert report["leavers"] == ["10000003"] and report["movers"] == [] and report["expired_contractors"] == []
    people = {m["employee"]: m for m in yaml.safe_load(on_branch(git_repo, "access/staff.yaml"))["staff"]}
    assert people["20000002"]["locations"] == ["200", "100"]
    assert str(people["30000001"]["contract_end"]) == "2027-12-31"


def test_bad_rows_are_all_reported_with_their_line_and_nothing_changes(git_repo: Path) -> None:
    result = run_cli("hr", "sync", "--export", str(FIXTURES / "export-bad.csv"), cwd=git_repo)
    assert result.returncode == 2
    err = result.stderr
    assert "export-bad.csv:3: row 2: employee_number: '1000002' is not an 8-digit employee number" in err
    assert "export-bad.csv:4: row 3: hr_status: unknown HR status 'retired'" in err
    assert "export-bad.csv:5: row 4: 7 column(s), but the header has 11" in err
    assert "export-bad.csv:6: row 5: contract_end: '31/10/2026' is not a date" in err
    assert "nothing was imported" in err and "Traceback" not in err
    assert git(git_repo, "branch", "--list", "hr/*") == ""


def test_no_branch_writes_in_place_and_summary_lists_expiring_grants(git_repo: Path, tmp_path: Path) -> None:
    write_files(git_repo, {"access/schools/200/grants.yaml": """
        location: "200"
        grants:
          - employee: "20000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2026-12-10
        """})
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    result = subprocess.run([sys.executable, "-m", "rolebook", "hr", "sync", "--export", str(EXPORT), "--no-branch"],
                            cwd=git_repo, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "separated" in (git_repo / "access/staff.yaml").read_text()
    assert "10000003" not in (git_repo / "access/schools/100/grants.yaml").read_text()
    text = summary.read_text()
    assert "Grants expiring within 30 days" in text and "| 2026-12-10 | 200 | 20000001 | principal |" in text
    assert "title=Remove access: separated staff" in outputs.read_text()
    assert git(git_repo, "branch", "--list", "hr/*") == ""


def test_open_prs_file_must_have_githubs_shape(git_repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "prs.json"
    bad.write_text(json.dumps({"pulls": []}))
    result = run_cli("hr", "sync", "--export", str(EXPORT), "--open-prs", str(bad), cwd=git_repo)
    assert result.returncode == 2 and "JSON array" in result.stderr
