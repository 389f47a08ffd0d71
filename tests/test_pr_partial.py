"""Pull-request mode's partial load gives the same answer as checking everything.

For a change to schools' grants files only, `rolebook validate --base` reads just those files (plus the
catalog, the district, the offices and the people involved). These tests make real branches and compare
that answer with `--full`, which loads and checks every file of both revisions.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import MINI_FILES, TODAY, git, git_init, make_mini_repo, run_cli, write_files
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


def test_pull_request_mode_names_no_rule_code() -> None:
    """What a partial load must read comes from the rules (`Rule.needs`), not from a list kept here."""
    import re

    from conftest import REPO_ROOT

    source = (REPO_ROOT / "generator/rolebook/policy/pull_request.py").read_text()
    assert not re.findall(r"RB\d{3}", source)


PRINCIPAL_AT_200 = ('  - employee: "20000003"\n    roles: [principal]\n'
                    "    granted: 2026-11-20\n    expires: 2027-06-30\n")


def github_repo(tmp_path: Path, staff: str | None = None) -> Path:
    """The mini district hosted on GitHub: a current .github/CODEOWNERS committed on main."""
    root = make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff} if staff else None)
    assert run_cli("codeowners", cwd=root).returncode == 0
    (root / ".github/workflows").mkdir()
    (root / ".github/workflows/validate.yml").write_text("on: pull_request\n")
    git_init(root)
    git(root, "checkout", "-q", "-b", "request")
    return root


def test_a_one_grant_change_in_a_github_repository_takes_the_partial_path(tmp_path: Path) -> None:
    root = github_repo(tmp_path)
    append_grant(root, "100", '  - employee: "10000003"\n    roles: [health-office]\n'
                              "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    full = compare_with_full(root)  # the partial path answers, as the full path does
    assert "RB601" not in {f["code"] for f in full["findings"]}


def test_a_new_principal_makes_the_schools_codeowners_line_stale_on_both_paths(tmp_path: Path) -> None:
    root = github_repo(tmp_path)
    append_grant(root, "200", PRINCIPAL_AT_200.replace("20000003", "90000005"))  # Lee (lee-ld) becomes principal
    full = compare_with_full(root)
    stale = [(f["line"], f["message"]) for f in full["findings"] if f["code"] == "RB601"]
    assert len(stale) == 1 and stale[0][1].endswith("it should be: /access/schools/200/ @lee-ld @ngozi-o"), stale
    assert (root / ".github/CODEOWNERS").read_text().splitlines()[stale[0][0] - 1].startswith("/access/schools/200/ ")
    assert run_cli("codeowners", cwd=root).returncode == 0  # regenerated: the full path checks the new file
    assert pull_request_partial(root, "main", DAY) is None
    result = json.loads(run_cli("validate", "--base", "main", "--format", "json", cwd=root).stdout)
    assert "RB601" not in {f["code"] for f in result["findings"]}


def test_a_wide_grant_or_a_changed_codeowners_takes_the_full_path(tmp_path: Path) -> None:
    root = github_repo(tmp_path)
    append_grant(root, "100", '  - employee: "10000003"\n    roles: [teacher]\n    scope: {cluster: ld-test}\n'
                              "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    assert pull_request_partial(root, "main", DAY) is None  # a grant reaching other schools
    git(root, "checkout", "-q", "--", "access")
    assert pull_request_partial(root, "main", DAY) is not None  # nothing changed: partial
    (root / ".github/CODEOWNERS").write_text("* @someone\n")  # not under roles/ or access/, still the change
    assert pull_request_partial(root, "main", DAY) is None
    result = json.loads(run_cli("validate", "--base", "main", "--format", "json", cwd=root).stdout)
    assert {f["code"] for f in result["findings"]} == {"RB601"}


def test_a_login_two_records_claim_is_read_in_full_or_the_full_path_answers(tmp_path: Path) -> None:
    """Lee's login claimed again by a record no loaded file names: the partial load cannot see it is
    nobody's, so the full path answers (the new principal has no usable login: no line changes)."""
    staff = MINI_FILES["access/staff.yaml"].replace(
        'Specialist, hr_status: processed, locations: [SPEDOPS]}', 'Specialist, hr_status: processed, locations: '
        '[SPEDOPS]}\n          - {employee: "40000001", last_name: Twin, first_name: '
        'Tim, staff_type: classified, position: Clerk, hr_status: processed, locations: [ITD], git_username: Lee-LD}')
    root = github_repo(tmp_path, staff)
    append_grant(root, "200", PRINCIPAL_AT_200.replace("20000003", "90000005"))
    assert pull_request_partial(root, "main", DAY) is None
    usual = json.loads(run_cli("validate", "--base", "main", "--format", "json", cwd=root).stdout)
    full = json.loads(run_cli("validate", "--base", "main", "--full", "--format", "json", cwd=root).stdout)
    assert usual["findings"] == full["findings"]
    assert "RB601" not in {f["code"] for f in full["findings"]}
