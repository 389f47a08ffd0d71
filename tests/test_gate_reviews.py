"""The approval gate checks an access review's deciders: whoever the review file names as deciding must
have approved the head commit, be a designated reviewer of the school at the base, and decide nothing
about themselves. Real Git repositories, the real CLI, GitHub's real review shapes (REST list-reviews in
uppercase, webhook payloads in lowercase)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import git, git_init, make_mini_repo, run_cli

REVIEW = "access/schools/100/reviews/2026-H2.yaml"
APP = "rolebook-reviews[bot]"  # the automation app: it opens the review and commits the principal's ticks
OPEN_NOTICE = "Open the access review"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """School 100 (Pat Park, principal; Lee Director, the local district) with its 2026-H2 review open on main."""
    root = git_init(make_mini_repo(tmp_path / "repo"))
    opened = run_cli("review", "open", "--school", "100", "--period", "2026-H2", "--no-branch", cwd=root)
    assert opened.returncode == 0, opened.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", OPEN_NOTICE)
    git(root, "checkout", "-q", "-b", "review/100-2026-H2")
    return root


def decide(root: Path, decisions: dict[str, tuple[str, str | None]], *, status: str = "submitted",
           reviewer: str = "pat-park") -> str:
    """Set decisions ({employee: (decision, decided_by)}) and the status; commit as the app. The head sha."""
    path = root / REVIEW
    data = yaml.safe_load(path.read_text())
    data.update(status=status, reviewer=reviewer)
    for item in data["items"]:
        if item["employee"] in decisions:
            item["decision"], decided_by = decisions[item["employee"]]
            if decided_by:
                item["decided_by"] = decided_by
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    git(root, "add", "-A")
    git(root, "-c", f"user.name={APP}", "-c", "user.email=rolebook-reviews@users.noreply.github.com",
        "commit", "-q", "-m", "Access review 2026-H2 of 100: decisions from the pull request body")
    return git(root, "rev-parse", "HEAD")


ALL_KEPT = {"10000001": ("keep", "lee-ld"), "10000002": ("keep", None), "10000003": ("keep", None),
            "90000005": ("keep", None)}


def rest_review(login: str, commit: str, review_id: int, state: str = "APPROVED") -> dict[str, Any]:
    """One entry of GitHub's REST "list reviews for a pull request" answer."""
    return {"id": review_id, "node_id": f"PRR_{review_id}", "user": {"login": login, "id": 1000 + review_id,
            "type": "User"}, "body": "", "state": state, "commit_id": commit,
            "submitted_at": f"2026-11-22T10:0{review_id}:00Z", "author_association": "MEMBER"}


def gate(root: Path, reviews: list[dict[str, Any]] | None = None, *, author: str = APP,
         fmt: str = "json", extra: tuple[str, ...] = ()) -> Any:
    args = ["approvals", "--base", "main", "--head", "HEAD", "--author", author, "--format", fmt, *extra]
    if reviews is not None:
        listed = root.parent / "reviews.json"
        listed.write_text(json.dumps(reviews))
        args += ["--reviews", str(listed)]
    return run_cli(*args, cwd=root)


def needed(result: Any) -> list[dict[str, Any]]:
    assert result.returncode in (0, 1), result.stderr
    return list(json.loads(result.stdout)["requirements"])


def test_each_decider_must_approve_the_head_commit(repo: Path) -> None:
    head = decide(repo, ALL_KEPT)
    missing = needed(gate(repo))
    assert [(r["eligible"], r["missing"]) for r in missing] == [
        (["pat-park"], f"`pat-park` is named as deciding in `{REVIEW}` but has not approved `{head}`"),
        (["lee-ld"], f"`lee-ld` is named as deciding in `{REVIEW}` but has not approved `{head}`"),
    ]  # and no access administrators: the deciders sign the review
    assert "keep Pat Park's principal" in missing[1]["items"][0]
    assert "Pat Park" not in missing[0]["items"][0]  # Pat's own item is Lee's

    approved = gate(repo, [rest_review("pat-park", head, 1), rest_review("lee-ld", head, 2)])
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert all(r["satisfied"] and r["missing"] == "" for r in needed(approved))


def test_an_approval_of_an_earlier_commit_or_a_later_change_request_does_not_count(repo: Path) -> None:
    first = decide(repo, {"10000002": ("keep", None)}, status="open")
    head = decide(repo, ALL_KEPT)
    result = gate(repo, [rest_review("pat-park", head, 1), rest_review("lee-ld", first, 2),
                         rest_review("pat-park", head, 3, "CHANGES_REQUESTED")])
    assert result.returncode == 1
    assert [r["missing"] for r in needed(result)] == [
        f"`pat-park` is named as deciding in `{REVIEW}` but has not approved `{head}`",
        f"`lee-ld` is named as deciding in `{REVIEW}` but has not approved `{head}`"]


def test_a_webhook_approval_in_lowercase_counts_with_the_listed_ones(repo: Path) -> None:
    head = decide(repo, ALL_KEPT)
    base = git(repo, "rev-parse", "main")
    event = {"action": "submitted",
             "review": {"id": 7, "user": {"login": "lee-ld"}, "state": "approved", "commit_id": head,
                        "submitted_at": "2026-11-22T11:00:00Z"},
             "pull_request": {"number": 12, "user": {"login": APP}, "body": "Access review",
                              "head": {"sha": head, "ref": "review/100-2026-H2"}, "base": {"sha": base, "ref": "main"}},
             "repository": {"full_name": "district/access"}}
    path = repo.parent / "event.json"
    path.write_text(json.dumps(event))
    only_lee = run_cli("approvals", "--event", str(path), "--format", "json", cwd=repo)
    assert only_lee.returncode == 1
    assert [r["satisfied"] for r in needed(only_lee)] == [False, True]
    listed = repo.parent / "listed.json"
    listed.write_text(json.dumps([rest_review("pat-park", head, 1)]))
    both = run_cli("approvals", "--event", str(path), "--reviews", str(listed), "--format", "json", cwd=repo)
    assert both.returncode == 0, both.stdout + both.stderr


def test_a_self_decision_is_refused_whoever_approves(repo: Path) -> None:
    head = decide(repo, {**ALL_KEPT, "10000001": ("keep", None)})  # Pat keeps her own principal role
    result = gate(repo, [rest_review("pat-park", head, 1), rest_review("lee-ld", head, 2)])
    assert result.returncode == 1
    (pat,) = needed(result)
    assert pat["eligible"] == [] and not pat["satisfied"]
    assert pat["refused"] == [f"`pat-park` decides on their own access in `{REVIEW}` (keep Pat Park's principal): "
                              "nobody decides on their own access; the local district's approvers decide it "
                              "(decided_by)"]
    markdown = gate(repo, [rest_review("pat-park", head, 1)], fmt="markdown")
    assert markdown.returncode == 1 and "⛔ Refused:" in markdown.stdout and "**refused**" in markdown.stdout


def test_a_decider_who_is_not_a_designated_reviewer_at_the_base_is_refused(repo: Path) -> None:
    # Ngozi Okafor is Oak High's principal: no reviewer of Maple Elementary. Making her one in the same
    # pull request does not help: the designated reviewers are read at the base.
    grants = repo / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text() + "  - employee: \"20000001\"\n    roles: [principal]\n"
                      "    granted: 2026-11-20\n    expires: 2027-06-30\n")
    head = decide(repo, {**ALL_KEPT, "10000003": ("keep", "ngozi-o")})
    result = gate(repo, [rest_review(login, head, n) for n, login in enumerate(["pat-park", "lee-ld", "ngozi-o"], 1)])
    assert result.returncode == 1
    (ngozi,) = [r for r in needed(result) if r["refused"]]
    assert ngozi["refused"] == [f"`ngozi-o` is named as deciding in `{REVIEW}` but is not a designated reviewer "
                                "of Maple Elementary in the base's data (its approver-role holders and its local "
                                "district's approvers group)"]
    assert "keep Carl Chen's teacher" in ngozi["items"][0]


def test_only_the_decisions_the_pull_request_changes_need_their_deciders(repo: Path) -> None:
    # Lee decided Pat's own item on main already; this pull request decides the rest, as Pat.
    git(repo, "checkout", "-q", "main")
    decide(repo, {"10000001": ("keep", "lee-ld")}, status="open")
    git(repo, "checkout", "-q", "-B", "review/100-2026-H2")
    head = decide(repo, ALL_KEPT)
    assert [r["eligible"] for r in needed(gate(repo))] == [["pat-park"]]
    assert gate(repo, [rest_review("pat-park", head, 1)]).returncode == 0


def test_the_pull_requests_author_never_counts_as_a_decider(repo: Path) -> None:
    head = decide(repo, ALL_KEPT)
    result = gate(repo, [rest_review("pat-park", head, 1), rest_review("lee-ld", head, 2)], author="pat-park")
    assert result.returncode == 1
    pat = needed(result)[0]
    assert pat["eligible"] == [] and "they are the author of this pull request" in pat["missing"]


def test_an_open_review_is_signed_as_any_other_file(repo: Path) -> None:
    decide(repo, {"10000002": ("keep", None)}, status="open")
    assert [r["label"] for r in needed(gate(repo))] == ["Access administrators"]


def test_a_broken_review_file_is_bad_input_at_its_line(repo: Path) -> None:
    path = repo / REVIEW
    path.write_text(path.read_text().replace("status: open", "status: finished"))
    git(repo, "commit", "-q", "-am", "broken")
    result = gate(repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{REVIEW}:" in result.stderr and "status" in result.stderr
