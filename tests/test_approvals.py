"""The approval gate on real Git repositories, with reviews in GitHub's own shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MINI_FILES, TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "github"

COUNSELOR_FOR_NINA = """\
  - employee: "20000003"
    roles: [counselor]
    granted: 2026-11-23
    expires: 2027-07-31
"""


def append(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def open_pr(root: Path, files: dict[str, str | None] | None = None, appends: dict[str, str] | None = None,
            branch: str = "feature") -> tuple[str, str]:
    """Commit a change on a new branch; return (base sha, head sha)."""
    base = git(root, "rev-parse", "main")
    git(root, "switch", "-q", "-c", branch)
    write_files(root, files or {})
    for relative, text in (appends or {}).items():
        append(root, relative, text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    return base, git(root, "rev-parse", "HEAD")


def review(login: str, state: str, commit: str, submitted_at: str, review_id: int) -> dict[str, Any]:
    """A REST list-reviews item, copied from the fixture so that it keeps GitHub's shape."""
    item = copy.deepcopy(json.loads((FIXTURES / "pulls.reviews.list.json").read_text())[1])
    item.update(id=review_id, state=state, commit_id=commit, submitted_at=submitted_at)
    item["user"] = {**item["user"], "login": login}
    return item


def gate(root: Path, base: str, head: str, author: str, reviews: list[dict[str, Any]] | None = None,
         *extra: str, fmt: str = "markdown"):
    args = ["approvals", "--repo", str(root), "--base", base, "--head", head, "--author", author, "--format", fmt]
    if reviews is not None:
        path = root.parent / "reviews.json"
        path.write_text(json.dumps(reviews), encoding="utf-8")
        args += ["--reviews", str(path)]
    return in_process(*args, *extra)


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def in_process(*args: str) -> Result:
    """The real CLI, in this process: the same code as `rolebook`, without a new interpreter each time.
    The subprocess path is covered by test_real_shaped_webhook_payloads."""
    runner = CliRunner(env={"ROLEBOOK_TODAY": TODAY, "GITHUB_STEP_SUMMARY": None})
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def requirements(result) -> list[dict[str, Any]]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["requirements"]


def test_counselor_needs_the_school_principal(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    missing = gate(git_repo, base, head, "rosa-rivera")
    assert missing.returncode == 1, missing.stderr
    assert ("- [ ] ❌ any one of @ngozi-o (Principal of Oak High School) for: Nina Novak gains Counselor at "
            "Oak High School") in missing.stdout
    approved = gate(git_repo, base, head, "rosa-rivera", [review("ngozi-o", "APPROVED", head, "2026-11-21T10:00:00Z", 1)])
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert "- [x] ✅ any one of @ngozi-o" in approved.stdout
    # Somebody else's approval, even an access administrator's, is not the principal's signature.
    other = gate(git_repo, base, head, "rosa-rivera", [review("ada-itd", "APPROVED", head, "2026-11-21T10:00:00Z", 1)])
    assert other.returncode == 1


def test_sped_role_also_needs_sped_operations(tmp_path: Path) -> None:
    # The office's own approvers are the access administrators here, so the SPED signature is a second one.
    district = MINI_FILES["access/district.yaml"].replace(
        "approvers: sped-operations}", "approvers: access-administrators}")
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/district.yaml": district}))
    base, head = open_pr(root, appends={"access/offices/SPEDOPS/grants.yaml": """\
  - employee: "20000002"
    roles: [sped-viewers]
    granted: 2026-11-23
    expires: 2027-07-31
"""})
    needed = requirements(gate(root, base, head, "rosa-rivera", fmt="json"))
    labels = {r["label"]: r["eligible"] for r in needed}
    assert labels == {"Access administrators": ["ada-itd", "dan-itd", "sue-itd"], "SPED Operations": ["olga-sped"]}
    admin_only = [review("ada-itd", "APPROVED", head, "2026-11-21T10:00:00Z", 1)]
    assert gate(root, base, head, "rosa-rivera", admin_only).returncode == 1
    both = [*admin_only, review("olga-sped", "APPROVED", head, "2026-11-21T10:05:00Z", 2)]
    assert gate(root, base, head, "rosa-rivera", both).returncode == 0


def test_sped_viewers_in_the_mini_district_needs_sped_operations(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/offices/SPEDOPS/grants.yaml": """\
  - employee: "20000002"
    roles: [sped-viewers]
    granted: 2026-11-23
    expires: 2027-07-31
"""})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["eligible"]) for r in needed] == [("SPED Operations", ["olga-sped"])]


def test_the_authors_own_approval_is_not_enough(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    result = gate(git_repo, base, head, "ngozi-o", [review("ngozi-o", "APPROVED", head, "2026-11-21T10:00:00Z", 1)])
    assert result.returncode == 1
    # She is the school's only principal: the requirement climbs to the local district (no deadlock).
    assert "nobody can approve this yet" not in result.stdout
    assert ("The only Principal of Oak High School is the author of this pull request, so Local District Test "
            "administrators approve it instead") in result.stdout


def test_a_push_after_the_approval_voids_it(git_repo: Path) -> None:
    base, first = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    append(git_repo, "access/schools/200/grants.yaml", "    reason: added after the approval\n")
    git(git_repo, "commit", "-q", "-am", "second push")
    head = git(git_repo, "rev-parse", "HEAD")
    stale = [review("ngozi-o", "APPROVED", first, "2026-11-21T10:00:00Z", 1)]
    assert gate(git_repo, base, head, "rosa-rivera", stale).returncode == 1
    again = [*stale, review("ngozi-o", "APPROVED", head, "2026-11-21T11:00:00Z", 2)]
    assert gate(git_repo, base, head, "rosa-rivera", again).returncode == 0


def test_changes_requested_after_approval_blocks_and_comments_do_not(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    approved = review("ngozi-o", "APPROVED", head, "2026-11-21T10:00:00Z", 1)
    blocked = review("ngozi-o", "CHANGES_REQUESTED", head, "2026-11-21T10:30:00Z", 2)
    commented = review("ngozi-o", "COMMENTED", head, "2026-11-21T11:00:00Z", 3)
    assert gate(git_repo, base, head, "rosa-rivera", [blocked, approved]).returncode == 1
    assert gate(git_repo, base, head, "rosa-rivera", [approved, commented]).returncode == 0
    # The same second, later id wins (GitHub orders by submitted_at, then id).
    same_time = review("ngozi-o", "CHANGES_REQUESTED", head, "2026-11-21T10:00:00Z", 2)
    assert gate(git_repo, base, head, "rosa-rivera", [same_time, approved]).returncode == 1


def test_dismissed_review_does_not_count(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    dismissed = review("ngozi-o", "DISMISSED", head, "2026-11-21T10:00:00Z", 1)
    assert gate(git_repo, base, head, "rosa-rivera", [dismissed]).returncode == 1


def test_a_pr_that_appoints_its_own_approver_gains_nothing(git_repo: Path) -> None:
    staff = (git_repo / "access/staff.yaml").read_text()
    staff = staff.replace("position: Office Technician, hr_status: processed, locations: [\"200\"]}",
                          "position: Office Technician, hr_status: processed, locations: [\"200\"], "
                          "git_username: nina-n}")
    assert "nina-n" in staff
    base, head = open_pr(git_repo, files={"access/staff.yaml": staff}, appends={
        "access/schools/200/grants.yaml": """\
  - employee: "20000003"
    roles: [principal]
    granted: 2026-11-23
    expires: 2027-07-31
  - employee: "20000002"
    roles: [counselor-plus]
    granted: 2026-11-23
    expires: 2027-07-31
"""})
    result = gate(git_repo, base, head, "nina-n", [review("nina-n", "APPROVED", head, "2026-11-21T10:00:00Z", 1)],
                  fmt="json")
    assert result.returncode == 1
    needed = requirements(result)
    everyone = {login for r in needed for login in r["eligible"]}
    assert "nina-n" not in everyone
    assert any(r["label"] == "Principal of Oak High School" and r["eligible"] == ["ngozi-o"] for r in needed)
    # Even with someone else as author, her approval is not one the base branch knows.
    other = gate(git_repo, base, head, "rosa-rivera",
                 [review("nina-n", "APPROVED", head, "2026-11-21T10:00:00Z", 1)])
    assert other.returncode == 1


def test_the_principals_own_access_needs_the_local_district(git_repo: Path) -> None:
    text = (git_repo / "access/schools/200/grants.yaml").read_text()
    text = text.replace("roles: [principal]", "roles: [principal, counselor]", 1)
    base, head = open_pr(git_repo, files={"access/schools/200/grants.yaml": text})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["eligible"]) for r in needed] == [("Local District Test administrators", ["lee-ld"])]
    assert "Ngozi Okafor gains Counselor at Oak High School" in needed[0]["items"]
    her_own = [review("ngozi-o", "APPROVED", head, "2026-11-21T10:00:00Z", 1)]
    assert gate(git_repo, base, head, "rosa-rivera", her_own).returncode == 1
    district = [*her_own, review("lee-ld", "APPROVED", head, "2026-11-21T10:05:00Z", 2)]
    assert gate(git_repo, base, head, "rosa-rivera", district).returncode == 0


def test_policy_and_reviewer_files_need_the_access_administrators(git_repo: Path) -> None:
    groups = (git_repo / "access/groups.yaml").read_text().replace('members: ["90000004"]',
                                                                    'members: ["90000004", "20000002"]')
    base, head = open_pr(git_repo, files={"access/groups.yaml": groups})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["items"]) for r in needed] == [
        ("Access administrators", ["changes to access/groups.yaml"])]


def test_removal_needs_one_removal_approver_but_not_extra_groups(git_repo: Path) -> None:
    text = (git_repo / "access/schools/100/grants.yaml").read_text()
    text = text.replace("roles: [office-manager, health-office]", "roles: [office-manager]")
    base, head = open_pr(git_repo, files={"access/schools/100/grants.yaml": text})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["eligible"], r["items"]) for r in needed] == [
        ("Access administrators or a designated approver of Maple Elementary",
         ["ada-itd", "dan-itd", "pat-park", "sue-itd"], ["Rosa Rivera loses Health Office at Maple Elementary"])]


def _event(name: str, base: str, head: str) -> dict[str, Any]:
    event = json.loads((FIXTURES / name).read_text())
    event["pull_request"]["base"]["sha"] = base
    event["pull_request"]["head"]["sha"] = head
    event["pull_request"]["user"]["login"] = "rosa-rivera"
    if "review" in event:
        event["review"]["commit_id"] = head
    return event


def test_real_shaped_webhook_payloads(git_repo: Path, tmp_path: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    submitted, dismissed = tmp_path / "submitted.json", tmp_path / "dismissed.json"
    submitted.write_text(json.dumps(_event("pull_request_review.submitted.json", base, head)))
    dismissed.write_text(json.dumps(_event("pull_request_review.dismissed.json", base, head)))
    summary = tmp_path / "summary.md"
    # Base, head and author all come from the payload.
    ok = run_cli("approvals", "--repo", str(git_repo), "--event", str(submitted), "--summary", str(summary))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "(approved by @ngozi-o)" in summary.read_text()
    # The REST list still shows the approval; the dismissal is final.
    rest = [dict(r, commit_id=head) for r in json.loads((FIXTURES / "pulls.reviews.list.json").read_text())]
    rest_file = tmp_path / "reviews.json"
    rest_file.write_text(json.dumps(rest))
    assert run_cli("approvals", "--repo", str(git_repo), "--event", str(rest_file)).returncode == 2
    assert run_cli("approvals", "--repo", str(git_repo), "--event", str(submitted.parent / "missing.json")
                   ).returncode == 2
    assert run_cli("approvals", "--repo", str(git_repo), "--event", str(dismissed), "--reviews", str(rest_file)
                   ).returncode == 1
    opened = tmp_path / "opened.json"
    opened.write_text(json.dumps(_event("pull_request.opened.json", base, head)))
    assert run_cli("approvals", "--repo", str(git_repo), "--event", str(opened), "--reviews", str(rest_file)
                   ).returncode == 0


def test_bad_input_exits_2(git_repo: Path, tmp_path: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    unknown = gate(git_repo, base, "0" * 40, "rosa-rivera")
    assert unknown.returncode == 2 and "unknown revision" in unknown.stderr
    bad = review("ngozi-o", "LGTM", head, "2026-11-21T10:00:00Z", 1)
    result = gate(git_repo, base, head, "rosa-rivera", [bad])
    assert result.returncode == 2 and "unknown review state" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("approvals", "--repo", str(git_repo), "--base", base, "--head", head).returncode == 2


def test_names_from_the_data_are_escaped(tmp_path: Path) -> None:
    staff = MINI_FILES["access/staff.yaml"].replace("first_name: Nina", "first_name: \"<img src=x> [x](http://e.vil)\"")
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff}))
    base, head = open_pr(root, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    out = gate(root, base, head, "rosa-rivera").stdout
    assert "<img" not in out and "](http" not in out
    assert "&lt;img src=x&gt; \\[x\\]\\(http://e\\.vil\\)" in out


@pytest.mark.parametrize("state", ["approved", "APPROVED"])
def test_webhook_and_rest_states_are_normalised(git_repo: Path, state: str) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    assert gate(git_repo, base, head, "rosa-rivera",
                [review("ngozi-o", state, head, "2026-11-21T10:00:00Z", 1)]).returncode == 0


def test_extending_a_grant_needs_the_school_principal(git_repo: Path) -> None:
    text = (git_repo / "access/schools/200/grants.yaml").read_text()
    text = text.replace("roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-07-31",
                        "roles: [counselor]\n    granted: 2026-08-01\n    expires: 2027-12-31")
    base, head = open_pr(git_repo, files={"access/schools/200/grants.yaml": text})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["items"]) for r in needed] == [
        ("Principal of Oak High School",
         ["Sam Silva changes Counselor at Oak High School: expires 2027-07-31 -> 2027-12-31"])]


def test_a_cluster_grant_is_one_change_signed_by_its_office(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/offices/ITD/grants.yaml": """\
  - employee: "30000001"
    roles: [district-limited-read]
    scope: {cluster: ld-test}
    granted: 2026-11-23
    expires: 2027-07-31
"""})
    needed = requirements(gate(git_repo, base, head, "rosa-rivera", fmt="json"))
    assert [(r["label"], r["items"]) for r in needed] == [
        ("Access administrators", ["Jo Jones gains District Limited Read from Information Technology Division, "
                                   "via cluster ld-test (2 schools)"])]
