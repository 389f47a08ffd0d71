"""Pull-request reviews in GitHub's own shapes, and what they add up to.

GitHub's rules, which the gate follows: each reviewer's latest review counts (by submitted_at, then id);
a COMMENTED review does not change a reviewer's verdict; a dismissed review counts for nothing; an
approval only counts for the commit it was given on, so a push after it voids it. Webhook payloads
spell states in lowercase (`approved`), the REST API in uppercase (`APPROVED`); both are normalised.
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
# States that set a reviewer's verdict; COMMENTED and PENDING leave it as it was.
VERDICTS = {APPROVED, CHANGES_REQUESTED, DISMISSED}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    login: str
    state: str
    commit_id: str | None
    submitted_at: dt.datetime | None

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


def parse_review(data: Any, where: str = "review") -> Review:
    if not isinstance(data, Mapping):
        raise BadInput(f"{where}: expected a review object")
    review_id, login, state = data.get("id"), _get(data, "user", "login"), data.get("state")
    if not isinstance(review_id, int) or isinstance(review_id, bool):
        raise BadInput(f"{where}: the review has no numeric id")
    if not isinstance(login, str) or not login:
        raise BadInput(f"{where}: the review has no user.login")
    if not isinstance(state, str) or state.upper() not in STATES:
        raise BadInput(f"{where}: unknown review state {state!r}")
    commit = data.get("commit_id")
    if commit is not None and not isinstance(commit, str):
        raise BadInput(f"{where}: commit_id is not a string")
    return Review(review_id, login, state.upper(), commit, _timestamp(data.get("submitted_at"), where))


def parse_review_list(data: Any, where: str = "reviews") -> list[Review]:
    """The REST "list reviews for a pull request" answer: a JSON array of reviews."""
    if not isinstance(data, list):
        raise BadInput(f"{where}: expected a JSON array of reviews (the REST list-reviews answer)")
    return [parse_review(item, f"{where}[{index}]") for index, item in enumerate(data)]


def parse_pull_request(data: Any, where: str = "pull_request") -> PullRequest:
    if not isinstance(data, Mapping):
        raise BadInput(f"{where}: expected a pull_request object")
    number = data.get("number")
    return PullRequest(
        number if isinstance(number, int) else None,
        _get(data, "base", "sha"), _get(data, "head", "sha"), _get(data, "user", "login"),
        _get(data, "base", "repo", "full_name"),
    )


def parse_event(data: Any, where: str = "event") -> tuple[PullRequest, list[Review]]:
    """A `pull_request` or `pull_request_review` webhook payload: the pull request and any review in it."""
    if not isinstance(data, Mapping) or "pull_request" not in data:
        raise BadInput(f"{where}: not a pull_request or pull_request_review event (no 'pull_request' key)")
    pull = parse_pull_request(data["pull_request"], f"{where}: pull_request")
    if pull.repository is None:
        pull = PullRequest(pull.number, pull.base_sha, pull.head_sha, pull.author,
                           _get(data, "repository", "full_name"))
    reviews: list[Review] = []
    if isinstance(data.get("review"), Mapping):
        review = parse_review(data["review"], f"{where}: review")
        if data.get("action") == "dismissed" and review.state != DISMISSED:
            review = Review(review.id, review.login, DISMISSED, review.commit_id, review.submitted_at)
        reviews.append(review)
    return pull, reviews


def merge(*sources: Iterable[Review]) -> list[Review]:
    """One record per review id. A dismissal is final: if any source says DISMISSED, it is."""
    merged: dict[int, Review] = {}
    for source in sources:
        for review in source:
            known = merged.get(review.id)
            if known is not None and known.state == DISMISSED:
                continue
            merged[review.id] = review
    return list(merged.values())


@dataclass(frozen=True, slots=True)
class Verdict:
    login: str
    state: str  # APPROVED, CHANGES_REQUESTED or DISMISSED
    commit_id: str | None
    current: bool  # given on the head commit


def verdicts(reviews: Iterable[Review], head_sha: str) -> dict[str, Verdict]:
    """Each reviewer's standing verdict, keyed by lowercase login (GitHub logins ignore case)."""
    latest: dict[str, Review] = {}
    for review in sorted(reviews, key=lambda r: r.order):
        if review.state in VERDICTS:
            latest[review.login.lower()] = review
    return {
        key: Verdict(r.login, r.state, r.commit_id, r.commit_id is not None and r.commit_id == head_sha)
        for key, r in latest.items()
    }


def approvals(reviews: Iterable[Review], head_sha: str, author: str | None) -> set[str]:
    """Lowercase logins whose approval stands on the head commit; the author's own never counts."""
    excluded = (author or "").lower()
    return {
        key for key, verdict in verdicts(reviews, head_sha).items()
        if verdict.state == APPROVED and verdict.current and key != excluded
    }
