"""Verdicts on a pull request (what GitHub calls pull-request reviews), in GitHub's own shapes, and
what they add up to.

In Rolebook "review" means the six-monthly access review (rolebook.reviews); what a person submits on
a pull request on GitHub is a `PullRequestVerdict` here. GitHub's rules, which the gate follows: each
person's latest verdict counts (by submitted_at, then id); a COMMENTED one does not change a person's
standing verdict; a dismissed one counts for nothing; an approval only counts for the commit it was
given on, so a push after it voids it. Webhook payloads spell states in lowercase (`approved`), the REST
API in uppercase (`APPROVED`); both are normalised. Messages about bad input keep GitHub's words
(`review`, `user.login`), the ones the payload itself uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rolebook.approvals import BadInput

APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING = (
    "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
STATES = {APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING}
# States that set a person's standing verdict; COMMENTED and PENDING leave it as it was.
DECISIVE = {APPROVED, CHANGES_REQUESTED, DISMISSED}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class PullRequestVerdict:
    """One verdict submitted on a pull request (a GitHub "pull request review" object)."""

    id: int
    login: str  # "" for a deleted account (GitHub sends `"user": null`)
    state: str
    commit_id: str | None
    submitted_at: dt.datetime | None

    @property
    def deleted_account(self) -> bool:
        """GitHub keeps the reviews of a deleted account with `"user": null`: nobody's signature."""
        return not self.login

    @property
    def order(self) -> tuple[dt.datetime, int]:
        return (self.submitted_at or _EPOCH, self.id)


@dataclass(frozen=True, slots=True)
class PullRequest:
    """What the gate needs from a pull_request object."""

    number: int | None
    base_sha: str | None
    head_sha: str | None
    author: str | None
    repository: str | None  # owner/name
    body: str | None = None  # its description: a `Requested-by: @login` line names the requester


def _get(data: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(step)
    return data


def _timestamp(value: Any, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{where}: submitted_at is not a timestamp: {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"{where}: submitted_at is not an ISO 8601 timestamp: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_pr_verdict(data: Any, where: str = "review") -> PullRequestVerdict:
    if not isinstance(data, Mapping):
        raise BadInput(f"{where}: expected a review object")
    verdict_id, login, state = data.get("id"), _get(data, "user", "login"), data.get("state")
    if not isinstance(verdict_id, int) or isinstance(verdict_id, bool):
        raise BadInput(f"{where}: the review has no numeric id")
    if data.get("user") is None and "user" in data:
        login = ""  # a deleted account: kept, so that the gate can say it ignored it, and never counted
    elif not isinstance(login, str) or not login:
        raise BadInput(f"{where}: the review has no user.login")
    if not isinstance(state, str) or state.upper() not in STATES:
        raise BadInput(f"{where}: unknown review state {state!r}")
    commit = data.get("commit_id")
    if commit is not None and not isinstance(commit, str):
        raise BadInput(f"{where}: commit_id is not a string")
    return PullRequestVerdict(verdict_id, login, state.upper(), commit, _timestamp(data.get("submitted_at"), where))


def parse_pr_verdict_list(data: Any, where: str = "reviews") -> list[PullRequestVerdict]:
    """The REST "list reviews for a pull request" answer: a JSON array of GitHub review objects."""
    if not isinstance(data, list):
        raise BadInput(f"{where}: expected a JSON array of reviews (the REST list-reviews answer)")
    return [parse_pr_verdict(item, f"{where}[{index}]") for index, item in enumerate(data)]


def parse_pull_request(data: Any, where: str = "pull_request") -> PullRequest:
    if not isinstance(data, Mapping):
        raise BadInput(f"{where}: expected a pull_request object")
    number, body = data.get("number"), data.get("body")
    return PullRequest(
        number if isinstance(number, int) else None,
        _get(data, "base", "sha"), _get(data, "head", "sha"), _get(data, "user", "login"),
        _get(data, "base", "repo", "full_name"), body if isinstance(body, str) else None,
    )


def parse_event(data: Any, where: str = "event") -> tuple[PullRequest, list[PullRequestVerdict]]:
    """A `pull_request` or `pull_request_review` webhook payload: the pull request and any verdict in it."""
    if not isinstance(data, Mapping) or "pull_request" not in data:
        raise BadInput(f"{where}: not a pull_request or pull_request_review event (no 'pull_request' key)")
    pull = parse_pull_request(data["pull_request"], f"{where}: pull_request")
    if pull.repository is None:
        pull = PullRequest(pull.number, pull.base_sha, pull.head_sha, pull.author,
                           _get(data, "repository", "full_name"), pull.body)
    submitted: list[PullRequestVerdict] = []
    if isinstance(data.get("review"), Mapping):
        verdict = parse_pr_verdict(data["review"], f"{where}: review")
        if data.get("action") == "dismissed" and verdict.state != DISMISSED:
            verdict = PullRequestVerdict(verdict.id, verdict.login, DISMISSED, verdict.commit_id, verdict.submitted_at)
        submitted.append(verdict)
    return pull, submitted


def merge(*sources: Iterable[PullRequestVerdict]) -> list[PullRequestVerdict]:
    """One record per verdict id. A dismissal is final: if any source says DISMISSED, it is."""
    merged: dict[int, PullRequestVerdict] = {}
    for source in sources:
        for verdict in source:
            known = merged.get(verdict.id)
            if known is not None and known.state == DISMISSED:
                continue
            merged[verdict.id] = verdict
    return list(merged.values())


@dataclass(frozen=True, slots=True)
class StandingVerdict:
    """A person's verdict as it stands: their latest decisive one."""

    login: str
    state: str  # APPROVED, CHANGES_REQUESTED or DISMISSED
    commit_id: str | None
    current: bool  # given on the head commit


def standing_verdicts(submitted: Iterable[PullRequestVerdict], head_sha: str) -> dict[str, StandingVerdict]:
    """Each person's standing verdict, keyed by lowercase login (GitHub logins ignore case)."""
    latest: dict[str, PullRequestVerdict] = {}
    for verdict in sorted(submitted, key=lambda v: v.order):
        if verdict.state in DECISIVE and not verdict.deleted_account:
            latest[verdict.login.lower()] = verdict
    return {
        key: StandingVerdict(v.login, v.state, v.commit_id, v.commit_id is not None and v.commit_id == head_sha)
        for key, v in latest.items()
    }


def approvals(submitted: Iterable[PullRequestVerdict], head_sha: str, author: str | None) -> set[str]:
    """Lowercase logins whose approval stands on the head commit; the author's own never counts."""
    excluded = (author or "").lower()
    return {
        key for key, verdict in standing_verdicts(submitted, head_sha).items()
        if verdict.state == APPROVED and verdict.current and key != excluded
    }


def ignored_verdicts(submitted: Iterable[PullRequestVerdict]) -> list[str]:
    """What the gate leaves out of its count, said in words for the checklist: verdicts by deleted accounts."""
    deleted = sorted(v.id for v in submitted if v.deleted_account)
    if not deleted:
        return []
    ids = ", ".join(str(i) for i in deleted)
    return [f"{len(deleted)} review(s) by a deleted account (review id {ids}) ignored: nobody's signature"]
