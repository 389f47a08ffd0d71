"""Pull-request mode's partial load gives the same answer as checking everything.

For a change to schools' grants files only, `rolebook validate --base` reads just those files (plus the
catalog, the district, the offices and the people involved). These tests make real branches and compare
that answer with `--full`, which loads and checks every file of both revisions.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.policy.pull_request import pull_request_partial

DAY = dt.date.fromisoformat(TODAY)


def append_grant(root: Path, school: str, text: str) -> None:
    path = root / f"access/schools/{school}/grants.yaml"
    write_files(root, {f"access/schools/{school}/grants.yaml": path.read_text() + text})


def compare_with_full(root: Path) -> dict[str, object]:
    partial = pull_request_partial(root, "main", DAY)
    assert partial is not None, "a change to schools' grants files only takes the partial path"
    full = json.loads(run_cli("validate", "--base", "main", "--full", "--format", "json", cwd=root).stdout)
    found = {(f.code, f.file, f.line, f.message) for f in partial.findings}
    assert found == {(f["code"], f["file"], f["line"], f["message"]) for f in full["findings"]}
    assert [c.as_dict() for c in partial.access_diff] == full["access_diff"]
    return full


def test_new_problem_at_one_school_matches_full_mode(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    git(root, "checkout", "-q", "-b", "request")
    append_grant(root, "100", '  - employee: "12345678"\n    roles: [teacher, counselor-plus]\n'
                              "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    git(root, "commit", "-qam", "bad request")
    full = compare_with_full(root)
    codes = {f["code"] for f in full["findings"]}
    assert {"RB101", "RB203"} <= codes  # unknown employee; a secondary-only role at an elementary school


def test_forbidden_combination_across_two_schools_is_still_found(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo")
    policy = (root / "roles/policy.yaml").read_text()
    assert "\nforbidden_combinations: []\n" in policy
    write_files(root, {"roles/policy.yaml": policy.replace("\nforbidden_combinations: []\n", (
        "\nforbidden_combinations:\n  - roles: [counselor, teacher]\n    reason: Separation of duties test\n"))})
    git_init(root)
    git(root, "checkout", "-q", "-b", "request")
    # Sam Silva is a counselor at Oak High (200); the change makes him a teacher at Maple Elementary (100).
    append_grant(root, "100", '  - employee: "20000002"\n    roles: [teacher]\n'
                              "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    git(root, "commit", "-qam", "teacher at 100")
    full = compare_with_full(root)
    assert "RB407" in {f["code"] for f in full["findings"]}


def test_a_clean_change_gives_the_same_access_diff(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    git(root, "checkout", "-q", "-b", "revoke")
    path = root / "access/schools/200/grants.yaml"
    text = path.read_text()
    start = text.index('  - employee: "20000002"')
    end = text.index('  - employee: "20000003"')
    path.write_text(text[:start] + text[end:])
    git(root, "commit", "-qam", "revoke counselor")
    full = compare_with_full(root)
    assert [(c["employee"], c["change"], c["role"]) for c in full["access_diff"]] == [
        ("20000002", "removed", "counselor")]


def test_a_change_to_the_staff_directory_falls_back_to_the_full_load(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    git(root, "checkout", "-q", "-b", "hr")
    staff = (root / "access/staff.yaml").read_text().replace(
        'position: Teacher, hr_status: processed', 'position: Teacher, hr_status: separated')
    write_files(root, {"access/staff.yaml": staff})
    git(root, "commit", "-qam", "Carl Chen left")
    assert pull_request_partial(root, "main", DAY) is None
    result = run_cli("validate", "--base", "main", "--format", "json", cwd=root)
    assert result.returncode == 1
    assert "RB103" in {f["code"] for f in json.loads(result.stdout)["findings"]}
