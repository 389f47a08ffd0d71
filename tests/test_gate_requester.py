"""The requester is an author too: a pull request that automation opened on someone's behalf (the access
request form, `rolebook request`) cannot be approved by that person. The access-request workflow writes
`Requested-by: @<login>` both as a commit trailer and as a line of the pull request's body; either one
takes the requester out (and never lets anyone in). Real Git repositories, the real CLI as a subprocess,
GitHub's payload shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI_FILES, git, git_init, make_mini_repo, run_cli
from test_approvals import COUNSELOR_FOR_NINA, FIXTURES, append, review

BOT = "rolebook-bot[bot]"
BOT_EMAIL = "41898282+rolebook-bot[bot]@users.noreply.github.com"
NOON = "2026-11-21T12:00:00Z"
FOR_NGOZI = "Requested-by: @ngozi-o"


def _bot_pr(root: Path, trailer: str | None) -> tuple[str, str]:
    """What the access-request workflow commits for a request filed through the issue form."""
    base = git(root, "rev-parse", "main")
    git(root, "switch", "-q", "-c", "access/request-17")
    append(root, "access/schools/200/grants.yaml", COUNSELOR_FOR_NINA)
    message = "Grant Counselor at Oak High School to Nina Novak\n\nRequested through issue #17."
    if trailer is not None:
        message += f"\n\n{trailer}\nEmployee: 20000003\nReason: New counselor"
    git(root, "-c", f"user.name={BOT}", "-c", f"user.email={BOT_EMAIL}", "commit", "-q", "-am", message)
    return base, git(root, "rev-parse", "HEAD")


def _event(tmp_path: Path, base: str, head: str, body: str | None, reviewer: str | None = None) -> Path:
    """A pull_request (opened) payload, or with `reviewer` a pull_request_review one (lowercase state)."""
    name = "pull_request_review.submitted.json" if reviewer else "pull_request.opened.json"
    event = json.loads((FIXTURES / name).read_text())
    pull = event["pull_request"]
    pull["base"]["sha"], pull["head"]["sha"], pull["user"]["login"] = base, head, BOT
    pull["body"] = body
    if reviewer:
        event["review"]["commit_id"] = head
        event["review"]["user"]["login"] = reviewer
    path = tmp_path / f"event-{reviewer or 'opened'}.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def _gate(root: Path, event: Path, *reviews: dict[str, Any], fmt: str = "markdown") -> Any:
    args = ["approvals", "--repo", str(root), "--event", str(event), "--format", fmt]
    if reviews:
        path = root.parent / "reviews.json"
        path.write_text(json.dumps(list(reviews)), encoding="utf-8")
        args += ["--reviews", str(path)]
    return run_cli(*args)


BODY = f"Access request from issue #17 (filed through the form).\n\n{FOR_NGOZI}\n"


def test_the_requester_cannot_approve_a_bot_authored_pr(git_repo: Path, tmp_path: Path) -> None:
    base, head = _bot_pr(git_repo, FOR_NGOZI)
    by_her = _gate(git_repo, _event(tmp_path, base, head, BODY, reviewer="ngozi-o"))
    assert by_her.returncode == 1, by_her.stdout + by_her.stderr
    judged = json.loads(_gate(git_repo, _event(tmp_path, base, head, BODY), fmt="json").stdout)
    assert "ngozi-o" in judged["requesters"]
    [only] = judged["requirements"]
    assert (only["label"], only["eligible"]) == ("Local District Test administrators", ["lee-ld"])
    assert only["escalation"] == ("The only Principal of Oak High School is the requester of this pull request, "
                                  "so Local District Test administrators approve it instead")
    by_district = _gate(git_repo, _event(tmp_path, base, head, BODY, reviewer="lee-ld"))
    assert by_district.returncode == 0, by_district.stdout + by_district.stderr


def test_without_the_requester_the_principal_approves_as_usual(git_repo: Path, tmp_path: Path) -> None:
    base, head = _bot_pr(git_repo, None)
    body = "Access request from issue #17 (filed through the form).\n"
    result = _gate(git_repo, _event(tmp_path, base, head, body, reviewer="ngozi-o"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(approved by @ngozi-o)" in result.stdout


@pytest.mark.parametrize(("trailer", "body"), [
    (FOR_NGOZI, None), (None, BODY), (None, BODY.replace("\n", "\r\n")), (None, f"- {FOR_NGOZI}")])
def test_the_trailer_or_the_body_line_alone_is_enough(git_repo: Path, tmp_path: Path, trailer: str | None,
                                                      body: str | None) -> None:
    base, head = _bot_pr(git_repo, trailer)
    rest = review("ngozi-o", "APPROVED", head, NOON, 1)  # the REST list-reviews shape: uppercase state
    assert _gate(git_repo, _event(tmp_path, base, head, body), rest).returncode == 1


@pytest.mark.parametrize(("trailer", "excluded"), [
    ("Requested-by: ngozi-o", True),
    ("Requested-by: @NGOZI-O", True),
    ("Requested-by: @rosa-rivera, @ngozi-o", True),
    ("Requested-by: Ngozi Okafor <ngozi-o@district.example>", True),
    ("Requested-by: Ngozi Okafor <1234567+ngozi-o@users.noreply.github.com>", True),
    ("Requested-by: ngozi-o@oak.example", True),
    ("Requested-by: Ngozi Okafor <n.okafor@oak.example>", True),  # her e-mail in the staff directory
    ("Requested-by: (unknown)", False),
    ("Requested-by: Rosa Rivera <rosa.rivera@maple.example>", False),
])
def test_the_requester_is_matched_like_an_author(tmp_path: Path, trailer: str, excluded: bool) -> None:
    staff = MINI_FILES["access/staff.yaml"].replace("git_username: ngozi-o}",
                                                    "git_username: ngozi-o, email: n.okafor@oak.example}")
    assert "n.okafor@oak.example" in staff
    root = git_init(make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff}))
    base, head = _bot_pr(root, trailer)
    result = _gate(root, _event(tmp_path, base, head, None), review("ngozi-o", "APPROVED", head, NOON, 1))
    assert result.returncode == (1 if excluded else 0), result.stdout + result.stderr


def test_a_requester_line_never_lets_anyone_in(git_repo: Path, tmp_path: Path) -> None:
    base, head = _bot_pr(git_repo, "Requested-by: @lee-ld")
    result = _gate(git_repo, _event(tmp_path, base, head, "Requested-by: @lee-ld"),
                   review("lee-ld", "APPROVED", head, NOON, 1))
    assert result.returncode == 1  # the principal signs for Oak High; the local district's word is not hers
