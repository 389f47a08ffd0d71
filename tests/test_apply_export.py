"""`rolebook apply --export FILE`: the change set since the last export, as the SIS's import CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from conftest import REPO_ROOT, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.facts.applied import EXPORT_TARGET, NOTES_REF, ApplyRun, reached_live, read_runs
from rolebook.infra.gitnotes import append_note


def _export(repo: Path, target: Path, *args: str) -> list[list[str]]:
    result = run_cli("apply", "--export", str(target), "--repo", str(repo), *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))


def test_a_one_grant_change_exports_one_row_protected_against_formulas(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    first = _export(repo, tmp_path / "first.csv")
    assert first[0] == ["Action", "Employee ID", "Last Name", "First Name", "Location Code", "User Role", "End Date"]
    assert len(first) > 5 and {row[0] for row in first[1:]} == {"ADD"}
    first_commit = git(repo, "rev-parse", "HEAD")

    staff = (repo / "access/staff.yaml").read_text()
    write_files(repo, {"access/staff.yaml": staff + '  - {employee: "10000009", last_name: "=HYPERLINK(1)", '
                       'first_name: "@Evil", staff_type: classified, position: Clerk, hr_status: processed, '
                       'locations: ["100"]}\n'})
    grants = repo / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text() + '  - employee: "10000009"\n    roles: [health-office]\n'
                      "    granted: 2026-11-01\n    expires: 2027-06-30\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "One grant")

    rows = _export(repo, tmp_path / "second.csv")
    assert rows[1:] == [["ADD", "10000009", "'=HYPERLINK(1)", "'@Evil", "100", "Health Office", "2027-06-30"]]
    runs = [r for r in read_runs(repo) if r.target == EXPORT_TARGET]
    assert [(r.base, r.commit) for r in runs] == [(None, first_commit), (first_commit, git(repo, "rev-parse", "HEAD"))]
    assert runs[-1].counts == {"add": 1, "remove": 0}
    # The audit site's question: when did the content of each commit reach a live system?
    assert reached_live(repo).when(first_commit) is None  # a file written is not yet the live system
    assert reached_live(repo, EXPORT_TARGET).when(first_commit) == runs[0].finished

    nothing = _export(repo, tmp_path / "third.csv")
    assert nothing[1:] == []


def test_removals_and_the_policys_columns(tmp_path: Path) -> None:
    policy = (REPO_ROOT / "roles/policy.yaml").read_text() + (
        "apply:\n  export_columns:\n    - {header: op, field: action}\n    - {header: user, field: employee}\n"
        "    - {header: role, field: role}\n  export_actions: {add: A, remove: D}\n")
    repo = git_init(make_mini_repo(tmp_path / "repo", {"roles/policy.yaml": policy}))
    _export(repo, tmp_path / "first.csv")
    grants = repo / "access/schools/200/grants.yaml"
    text = grants.read_text()
    grants.write_text(text.replace('- employee: "20000002"\n    roles: [counselor]\n',
                                   '- employee: "20000002"\n    roles: [counselor]\n    status: suspended\n'))
    git(repo, "commit", "-q", "-am", "Suspend a counselor")
    planned = run_cli("apply", "--export", str(tmp_path / "never.csv"), "--plan", "--repo", str(repo))
    assert planned.returncode == 0 and "D,20000002,counselor" in planned.stdout
    assert not (tmp_path / "never.csv").exists()
    assert _export(repo, tmp_path / "second.csv") == [["op", "user", "role"], ["D", "20000002", "counselor"]]


def test_an_uncommitted_change_is_refused(tmp_path: Path) -> None:
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    write_files(repo, {"access/schools/100/grants.yaml": 'location: "100"\ngrants: []\n'})
    result = run_cli("apply", "--export", str(tmp_path / "out.csv"), "--repo", str(repo))
    assert result.returncode == 2 and "not committed" in result.stderr


def test_a_run_record_larger_than_an_argument_list_is_kept(tmp_path: Path) -> None:
    # A first apply at district scale records ~70,000 created ids: one line of megabytes.
    repo = git_init(make_mini_repo(tmp_path / "repo"))
    head = git(repo, "rev-parse", "HEAD")
    record = ApplyRun(target="scim http://sis.example/v2", commit=head, base=None, started="2026-11-23T10:00:00Z",
                      finished="2026-11-23T10:30:00Z", result="complete",
                      created_users={f"{n:08d}": f"id-{n:032d}" for n in range(40_000)})
    append_note(repo, NOTES_REF, head, record.to_json())
    assert read_runs(repo) == [record]
