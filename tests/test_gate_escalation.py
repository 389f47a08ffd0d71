"""No deadlock: when everyone who could sign a requirement is excluded (the author, a co-author, the
requester, the person concerned), it climbs `policy.escalation` (location, local district, access
administrators) to the first level with someone who may sign, and the checklist says so.
Real Git repositories, the real CLI as a subprocess, reviews in GitHub's shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import MINI_FILES, git, git_init, make_mini_repo, run_cli
from test_approvals import COUNSELOR_FOR_NINA, FIXTURES, open_pr, review

NOON = "2026-11-21T12:00:00Z"
TO_THE_DISTRICT = ("The only Principal of Oak High School is the author of this pull request, so Local "
                   "District Test administrators approve it instead")


def _event(tmp_path: Path, base: str, head: str, author: str, reviewer: str) -> Path:
    """A pull_request_review webhook payload (lowercase state) for the pull request base..head."""
    event = json.loads((FIXTURES / "pull_request_review.submitted.json").read_text())
    event["pull_request"]["base"]["sha"], event["pull_request"]["head"]["sha"] = base, head
    event["pull_request"]["user"]["login"] = author
    event["review"]["commit_id"] = head
    event["review"]["user"]["login"] = reviewer
    path = tmp_path / f"event-{reviewer}.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def _json(root: Path, base: str, head: str, author: str, *extra: str) -> dict[str, Any]:
    result = run_cli("approvals", "--repo", str(root), "--base", base, "--head", head, "--author", author,
                     "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_principals_pr_at_a_one_principal_school_goes_to_the_local_district(git_repo: Path,
                                                                              tmp_path: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    judged = _json(git_repo, base, head, "ngozi-o")
    [only] = judged["requirements"]
    assert (only["label"], only["eligible"], only["escalated_from"]) == (
        "Local District Test administrators", ["lee-ld"], "Principal of Oak High School")
    assert only["escalation"] == TO_THE_DISTRICT
    markdown = run_cli("approvals", "--repo", str(git_repo), "--base", base, "--head", head, "--author", "ngozi-o")
    assert markdown.returncode == 1
    assert TO_THE_DISTRICT in markdown.stdout and "nobody can approve this yet" not in markdown.stdout
    # Her own approval never counts; the local district's does.
    own = run_cli("approvals", "--repo", str(git_repo), "--event", str(_event(tmp_path, base, head, "ngozi-o",
                                                                               "ngozi-o")))
    assert own.returncode == 1, own.stdout + own.stderr
    district = run_cli("approvals", "--repo", str(git_repo), "--event", str(_event(tmp_path, base, head, "ngozi-o",
                                                                                    "lee-ld")))
    assert district.returncode == 0, district.stdout + district.stderr
    assert "(approved by @lee-ld)" in district.stdout


def test_with_no_local_district_approvers_the_access_administrators_sign(tmp_path: Path) -> None:
    district = MINI_FILES["access/district.yaml"].replace(", approvers: ld-test-admins}", "}")
    assert "ld-test-admins" not in district
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/district.yaml": district}))
    base, head = open_pr(root, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    [only] = _json(root, base, head, "ngozi-o")["requirements"]
    assert (only["label"], only["eligible"]) == ("Access administrators", ["ada-itd", "dan-itd", "sue-itd"])
    assert only["escalation"] == ("The only Principal of Oak High School is the author of this pull request, so "
                                  "Access administrators approve it instead")
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps([review("dan-itd", "APPROVED", head, NOON, 1)]))
    assert run_cli("approvals", "--repo", str(root), "--base", base, "--head", head, "--author", "ngozi-o",
                   "--reviews", str(reviews)).returncode == 0


def test_the_local_districts_only_approver_as_author_climbs_to_the_access_administrators(git_repo: Path) -> None:
    """A principal's own access needs the local district; its one approver wrote the change."""
    text = (git_repo / "access/schools/200/grants.yaml").read_text()
    base, head = open_pr(git_repo, files={"access/schools/200/grants.yaml": text.replace(
        "roles: [principal]", "roles: [principal, counselor]", 1)})
    [only] = _json(git_repo, base, head, "lee-ld")["requirements"]
    assert (only["label"], only["escalated_from"]) == ("Access administrators", "Local District Test administrators")
    assert only["escalation"].startswith("The only member of Local District Test administrators is the author")


def test_an_author_and_a_requester_at_a_two_principal_school_climb_together(git_repo: Path) -> None:
    """Two principals at Oak High: one wrote the change, it was requested for the other."""
    staff = (git_repo / "access/staff.yaml").read_text()
    line = next(x for x in staff.splitlines() if '"20000002"' in x)
    base_staff = staff.replace(line, line.rstrip().removesuffix("}") + ", git_username: sam-s}")
    grants = (git_repo / "access/schools/200/grants.yaml").read_text().replace(
        "roles: [counselor]", "roles: [counselor, principal]", 1)
    (git_repo / "access/staff.yaml").write_text(base_staff)
    (git_repo / "access/schools/200/grants.yaml").write_text(grants)
    git(git_repo, "commit", "-q", "-am", "Sam Silva is a principal too")
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    [only] = _json(git_repo, base, head, "ngozi-o", "--requester", "@sam-s")["requirements"]
    assert (only["label"], only["eligible"]) == ("Local District Test administrators", ["lee-ld"])
    assert only["escalation"] == (
        "Each of the 2 approvers in Principal of Oak High School is the author of this pull request or the "
        "requester of this pull request, so Local District Test administrators approve it instead")


def test_a_school_with_another_eligible_principal_does_not_escalate(git_repo: Path) -> None:
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    [only] = _json(git_repo, base, head, "rosa-rivera")["requirements"]
    assert (only["label"], only["escalated_from"], only["escalation"]) == ("Principal of Oak High School", None, "")


def test_the_policy_can_stop_the_climb(git_repo: Path) -> None:
    """`escalation: [location, access-administrators]` skips the local district."""
    policy = (git_repo / "roles/policy.yaml").read_text()
    default = "escalation: [location, local-district, access-administrators]\n"
    assert default in policy
    policy = policy.replace(default, "escalation: [location, access-administrators]\n")
    (git_repo / "roles/policy.yaml").write_text(policy)
    git(git_repo, "commit", "-q", "-am", "No local district step")
    base, head = open_pr(git_repo, appends={"access/schools/200/grants.yaml": COUNSELOR_FOR_NINA})
    [only] = _json(git_repo, base, head, "ngozi-o")["requirements"]
    assert only["label"] == "Access administrators"
