"""Removing access is cheap, granting is guarded: a pull request that only removes or narrows access needs
one approval from the policy's removal approvers, never one per location; anything that adds or widens
makes it a normal one. Real Git repositories, the real CLI as a subprocess, reviews in GitHub's shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI_FILES, git, git_init, make_mini_repo, run_cli
from test_approvals import FIXTURES, open_pr, review

NOON = "2026-11-21T12:00:00Z"
LEAVER = "50000001"
FOUR = ("100", "200", "300", "400")
REMOVAL_SET = ("Access administrators or a designated approver of Maple Elementary, Oak High School, "
               "Pine Middle or Cedar Elementary")


def _teacher(employee: str, granted: str = "2026-08-01") -> str:
    return f"""\
  - employee: "{employee}"
    roles: [teacher]
    granted: {granted}
    expires: 2027-07-31
"""


def _school_file(code: str, principal: str) -> str:
    return f"""\
location: "{code}"
grants:
  - employee: "{principal}"
    roles: [principal]
    granted: 2026-08-01
    expires: 2027-07-31
"""


@pytest.fixture
def district(tmp_path: Path) -> Path:
    """Four schools of one local district, each with one principal; a teacher holds access at all four."""
    schools = "".join(f'          - {{code: "{code}", name: {name}, level: {level}, enrollment: 400, '
                      f'cluster: ld-test}}\n' for code, name, level in
                      (("300", "Pine Middle", "middle"), ("400", "Cedar Elementary", "elementary")))
    district_text = MINI_FILES["access/district.yaml"].replace("        offices:\n", schools + "        offices:\n")
    people = "".join(
        f"          - {{employee: \"{e}\", last_name: {last}, first_name: {first}, staff_type: certificated, "
        f"position: {position}, hr_status: processed, locations: [{locations}], git_username: {login}}}\n"
        for e, last, first, position, locations, login in (
            ("30000010", "Stone", "Ivy", "Principal", '"300"', "ivy-s"),
            ("40000010", "Haddad", "Omar", "Principal", '"400"', "omar-h"),
            (LEAVER, "Walsh", "Terry", "Teacher", ", ".join(f'"{c}"' for c in FOUR), "terry-w"),
        ))
    staff = MINI_FILES["access/staff.yaml"].rstrip() + "\n" + people
    files: dict[str, str | None] = {
        "access/district.yaml": district_text,
        "access/staff.yaml": staff,
        "access/schools/300/grants.yaml": _school_file("300", "30000010") + _teacher("30000011"),
        "access/schools/400/grants.yaml": _school_file("400", "40000010") + _teacher("40000011"),
    }
    root = make_mini_repo(tmp_path / "repo", files)
    for code in FOUR:
        path = root / f"access/schools/{code}/grants.yaml"
        path.write_text(path.read_text() + _teacher(LEAVER), encoding="utf-8")
    staff_path = root / "access/staff.yaml"
    staff_path.write_text(staff_path.read_text() + "".join(
        f"  - {{employee: \"{e}\", last_name: Extra, first_name: Staff{e[-1]}, staff_type: certificated, "
        f"position: Teacher, hr_status: processed, locations: [\"{code}\"]}}\n"
        for e, code in (("30000011", "300"), ("40000011", "400"))), encoding="utf-8")
    return git_init(root)


def _without_leaver(root: Path, code: str) -> str:
    text = (root / f"access/schools/{code}/grants.yaml").read_text()
    assert _teacher(LEAVER) in text
    return text.replace(_teacher(LEAVER), "")


def _separated(root: Path) -> str:
    text = (root / "access/staff.yaml").read_text()
    line = next(x for x in text.splitlines() if f'"{LEAVER}"' in x)
    return text.replace(line, line.replace("hr_status: processed", "hr_status: separated"))


def _leaver_pr(root: Path, codes: tuple[str, ...] = FOUR, extra: dict[str, str | None] | None = None,
               staff: bool = True) -> tuple[str, str]:
    """What `rolebook hr sync` commits for one leaver: the staff record separated, every grant removed."""
    files: dict[str, str | None] = {f"access/schools/{c}/grants.yaml": _without_leaver(root, c) for c in codes}
    if staff:
        files["access/staff.yaml"] = _separated(root)
    return open_pr(root, files={**files, **(extra or {})})


def _gate(root: Path, base: str, head: str, reviews: list[dict[str, Any]] | None = None, *extra: str,
          author: str = "rolebook-bot[bot]", fmt: str = "json") -> Any:
    args = ["approvals", "--repo", str(root), "--base", base, "--head", head, "--author", author, "--format", fmt]
    if reviews is not None:
        path = root.parent / "reviews.json"
        path.write_text(json.dumps(reviews), encoding="utf-8")
        args += ["--reviews", str(path)]
    return run_cli(*args, *extra)


def _judged(result: Any) -> dict[str, Any]:
    assert result.returncode in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_leaver_at_four_schools_needs_one_removal_approval(district: Path) -> None:
    base, head = _leaver_pr(district)
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is True and judged["satisfied"] is False
    [only] = judged["requirements"]
    assert only["label"] == REMOVAL_SET
    # Any access administrator, or the principal of any of the four schools; never the leaver herself.
    assert only["eligible"] == ["ada-itd", "dan-itd", "ivy-s", "ngozi-o", "omar-h", "pat-park", "sue-itd"]
    assert len(only["items"]) == 5  # four grants and the staff record
    assert "Terry Walsh in the staff directory: marked separated" in only["items"]
    markdown = _gate(district, base, head, fmt="markdown")
    assert markdown.returncode == 1
    assert f"This pull request only removes access: one approval from {REMOVAL_SET} is enough." in markdown.stdout
    assert "1 of 1 approval(s) still needed" in markdown.stdout


@pytest.mark.parametrize("approver", ["ada-itd", "ivy-s"])
def test_one_approval_from_the_removal_set_is_enough(district: Path, approver: str) -> None:
    base, head = _leaver_pr(district)
    result = _gate(district, base, head, [review(approver, "APPROVED", head, NOON, 1)], fmt="markdown")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"(approved by @{approver})" in result.stdout


def test_a_principals_approval_in_a_webhook_payload_is_enough(district: Path, tmp_path: Path) -> None:
    base, head = _leaver_pr(district)
    event = json.loads((FIXTURES / "pull_request_review.submitted.json").read_text())
    event["pull_request"]["base"]["sha"], event["pull_request"]["head"]["sha"] = base, head
    event["pull_request"]["user"]["login"] = "rolebook-bot[bot]"
    event["review"].update(commit_id=head)
    event["review"]["user"]["login"] = "omar-h"
    assert event["review"]["state"] == "approved"  # webhook payloads spell states in lowercase
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    result = run_cli("approvals", "--repo", str(district), "--event", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("login", ["terry-w", "lee-ld", "olga-sped"])
def test_nobody_else_signs_a_removal(district: Path, login: str) -> None:
    """Without approvals it fails; the leaver's own approval, and those of people outside the removal
    set (the local district, SPED Operations), do not count."""
    base, head = _leaver_pr(district)
    assert _gate(district, base, head).returncode == 1
    assert _gate(district, base, head, [review(login, "APPROVED", head, NOON, 1)]).returncode == 1


def test_a_removal_approval_on_an_older_commit_does_not_count(district: Path) -> None:
    base, first = _leaver_pr(district, codes=FOUR[:2])
    (district / "access/schools/300/grants.yaml").write_text(_without_leaver(district, "300"))
    git(district, "commit", "-q", "-am", "one more school")
    head = git(district, "rev-parse", "HEAD")
    assert _gate(district, base, head, [review("ada-itd", "APPROVED", first, NOON, 1)]).returncode == 1


def test_removing_at_three_schools_and_adding_at_a_fourth_is_a_normal_change(district: Path) -> None:
    grants = _without_leaver(district, "400").replace(_teacher("40000011"), "") + _teacher("40000011") + """\
  - employee: "40000011"
    roles: [counselor]
    granted: 2026-11-23
    expires: 2027-07-31
"""
    base, head = _leaver_pr(district, codes=FOUR[:3], staff=False,
                            extra={"access/schools/400/grants.yaml": grants})
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is False
    labels = {r["label"]: r["eligible"] for r in judged["requirements"]}
    assert labels == {"Principal of Maple Elementary": ["pat-park"], "Principal of Oak High School": ["ngozi-o"],
                      "Principal of Pine Middle": ["ivy-s"], "Principal of Cedar Elementary": ["omar-h"]}
    one = _gate(district, base, head, [review("ada-itd", "APPROVED", head, NOON, 1)], fmt="markdown")
    assert one.returncode == 1 and "only removes access" not in one.stdout
    everyone = [review(login, "APPROVED", head, NOON, n) for n, login in enumerate(
        ("pat-park", "ngozi-o", "ivy-s", "omar-h"), start=1)]
    assert _gate(district, base, head, everyone).returncode == 0


COUNSELOR = "roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-07-31"


@pytest.mark.parametrize(("new_terms", "removal"), [
    ("roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-01-31", True),  # shortened expiry
    ("roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-07-31\n    status: locked", True),
    ("roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-07-31\n    status: suspended", True),
    ("roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-12-31", False),  # extended
    ("roles: [counselor]\n    granted: 2026-08-01", False),  # no expiry any more
    ("roles: [counselor]\n    granted: 2026-07-01\n    expires: 2027-07-31", False),  # another granted date
    ("roles: [counselor, counselor-plus]\n    granted: 2026-08-01\n    expires: 2027-07-31", False),
])
def test_changed_terms_are_removals_only_when_they_narrow(git_repo: Path, new_terms: str, removal: bool) -> None:
    text = (git_repo / "access/schools/200/grants.yaml").read_text()
    assert COUNSELOR in text
    base, head = open_pr(git_repo, files={"access/schools/200/grants.yaml": text.replace(COUNSELOR, new_terms)})
    judged = _judged(_gate(git_repo, base, head))
    assert judged["removal_only"] is removal, judged
    admin = _gate(git_repo, base, head, [review("ada-itd", "APPROVED", head, NOON, 1)])
    assert admin.returncode == (0 if removal else 1)


def test_a_status_back_to_active_is_not_a_removal(tmp_path: Path) -> None:
    locked = MINI_FILES["access/schools/200/grants.yaml"].replace(
        "roles: [counselor]\n            granted: 2026-08-01\n            expires: 2027-07-31",
        "roles: [counselor]\n            granted: 2026-08-01\n            expires: 2027-07-31\n"
        "            status: locked")
    assert "status: locked" in locked
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/schools/200/grants.yaml": locked}))
    text = (root / "access/schools/200/grants.yaml").read_text()
    base, head = open_pr(root, files={"access/schools/200/grants.yaml": text.replace("    status: locked\n", "")})
    assert _judged(_gate(root, base, head))["removal_only"] is False


@pytest.mark.parametrize(("change", "removal"), [
    (lambda line: line.replace("hr_status: processed", "hr_status: separated"), True),
    (lambda line: line.replace('locations: ["100", "200", "300", "400"]', 'locations: ["100"]'), True),
    (lambda line: line.replace("hr_status: processed", "hr_status: separated").replace(
        "git_username: terry-w", "git_username: terry-walsh"), False),  # a login decides who approves
    (lambda line: line.replace('locations: ["100", "200", "300", "400"]', 'locations: ["100", "ITD"]'), False),
    (lambda line: line + '\n  - {employee: "50000002", last_name: New, first_name: Nia, staff_type: classified, '
                         'position: Clerk, hr_status: processed, locations: ["100"]}', False),
])
def test_staff_changes_are_removals_only_when_they_narrow(district: Path, change: Any, removal: bool) -> None:
    text = (district / "access/staff.yaml").read_text()
    line = next(x for x in text.splitlines() if f'"{LEAVER}"' in x)
    base, head = _leaver_pr(district, staff=False, extra={"access/staff.yaml": text.replace(line, change(line))})
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is removal
    if not removal:  # the staff file needs the access administrators, every school its principal
        assert {"Access administrators", "Principal of Pine Middle"} <= {r["label"] for r in judged["requirements"]}


def test_a_staff_record_marked_separated_alone_is_a_removal(district: Path) -> None:
    base, head = open_pr(district, files={"access/staff.yaml": _separated(district)})
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is True
    assert [(r["label"], r["items"]) for r in judged["requirements"]] == [
        ("Access administrators", ["Terry Walsh in the staff directory: marked separated"])]


def test_a_removal_with_any_other_file_is_a_normal_change(district: Path) -> None:
    policy = (district / "roles/policy.yaml").read_text().replace("expiry_notice_days: 30", "expiry_notice_days: 20")
    base, head = _leaver_pr(district, extra={"roles/policy.yaml": policy})
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is False and len(judged["requirements"]) == 5


def test_the_policy_names_the_removal_approvers(district: Path) -> None:
    """`removal_approvers` with no location approvers: only the groups it names sign."""
    policy = (district / "roles/policy.yaml").read_text()
    default = "removal_approvers:\n  groups: [access-administrators]\n  location_approvers: true\n"
    assert default in policy
    policy = policy.replace(default, "removal_approvers:\n  groups: [ld-test-admins]\n  location_approvers: false\n")
    (district / "roles/policy.yaml").write_text(policy)
    git(district, "commit", "-q", "-am", "Removals are signed by the local district")
    base, head = _leaver_pr(district)
    [only] = _judged(_gate(district, base, head))["requirements"]
    assert (only["label"], only["eligible"]) == ("Local District Test administrators", ["lee-ld"])
    assert _gate(district, base, head, [review("ivy-s", "APPROVED", head, NOON, 1)]).returncode == 1
    assert _gate(district, base, head, [review("lee-ld", "APPROVED", head, NOON, 1)]).returncode == 0


def _branch_head(root: Path, before: set[str]) -> str:
    """The head of the branch a command made (the one that was not there before)."""
    [branch] = set(git(root, "branch", "--format=%(refname:short)").split()) - before
    return git(root, "rev-parse", branch)


def test_the_real_hr_sync_for_a_leaver_is_a_removal(district: Path, tmp_path: Path) -> None:
    export = tmp_path / "hr.csv"
    export.write_text("employee_number,last_name,first_name,staff_type,position,hr_status,location_codes\n"
                      f"{LEAVER},Walsh,Terry,certificated,Teacher,separated,100;200;300;400\n", encoding="utf-8")
    before = set(git(district, "branch", "--format=%(refname:short)").split())
    synced = run_cli("hr", "sync", "--repo", str(district), "--export", str(export))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    base, head = git(district, "rev-parse", "main"), _branch_head(district, before)
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is True, judged
    assert [r["label"] for r in judged["requirements"]] == [REMOVAL_SET]
    assert _gate(district, base, head, [review("pat-park", "APPROVED", head, NOON, 1)]).returncode == 0


def test_the_real_revoke_is_a_removal(district: Path) -> None:
    before = set(git(district, "branch", "--format=%(refname:short)").split())
    revoked = run_cli("revoke", "--repo", str(district), "--employee", LEAVER, "--school", "300", "--all",
                      "--reason", "Left the school", "--requested-by", "@ivy-s")
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    base, head = git(district, "rev-parse", "main"), _branch_head(district, before)
    [only] = _judged(_gate(district, base, head))["requirements"]
    assert only["label"] == "Access administrators or a designated approver of Pine Middle"
    assert only["eligible"] == ["ada-itd", "dan-itd", "sue-itd"]  # Pine Middle's principal asked for it
    assert _gate(district, base, head, [review("ivy-s", "APPROVED", head, NOON, 1)]).returncode == 1
    assert _gate(district, base, head, [review("sue-itd", "APPROVED", head, NOON, 1)]).returncode == 0


def test_the_real_offboard_is_a_removal(district: Path, tmp_path: Path) -> None:
    export = tmp_path / "leavers.csv"
    export.write_text(f"employee_number,hr_status\n{LEAVER},terminated\n", encoding="utf-8")
    before = set(git(district, "branch", "--format=%(refname:short)").split())
    offboarded = run_cli("offboard", "--repo", str(district), "--hr-export", str(export))
    assert offboarded.returncode == 0, offboarded.stdout + offboarded.stderr
    base, head = git(district, "rev-parse", "main"), _branch_head(district, before)
    judged = _judged(_gate(district, base, head))
    assert judged["removal_only"] is True and [r["label"] for r in judged["requirements"]] == [REMOVAL_SET]
    assert _gate(district, base, head, [review("omar-h", "APPROVED", head, NOON, 1)]).returncode == 0
