"""Which schools' and offices' review pull requests the scheduled run opens, in a stable order.

A review is due for a school (or an office) when its period has begun and neither an open pull request
(its branch `review/CODE-PERIOD`, or the `<!-- rolebook:review CODE PERIOD -->` marker in its body) nor
a review file on the default branch exists for it. Schools are taken in code order, then offices in
code order, so a run stopped by its time or by `--max` is continued by the next one: what it opened is
then in the open-PR list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rolebook.facts.removal_marker import pull_request_objects
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import location_review_path, review_locations, review_requests
from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview
from rolebook.reviews.pr_body import REVIEW_MARKER


def review_branch(school: str, period: str) -> str:
    return f"review/{school}-{period}"


@dataclass(frozen=True)
class ReviewPR:
    """An open pull request, as far as the schedule cares: its number, branch and review marker."""

    number: int
    head_ref: str
    review: tuple[str, str] | None  # (school, period) from the body's marker


@dataclass(frozen=True)
class Due:
    school: str
    branch: str
    file: str
    reviewers: tuple[str, ...]  # logins to request
    teams: tuple[str, ...]  # team slugs to request


@dataclass(frozen=True)
class Skipped:
    school: str
    reason: str
    pr: int | None = None


@dataclass(frozen=True)
class SchedulePlan:
    period: str
    due: list[Due]
    skipped: list[Skipped]
    left: int  # due but beyond --max: the next run's


def read_review_prs(path: Path) -> list[ReviewPR]:
    """GitHub's "list pull requests" JSON (`gh api --paginate --slurp .../pulls?state=open | jq 'add'`)."""
    found = []
    for pr in pull_request_objects(path):
        body = pr["body"] if isinstance(pr.get("body"), str) else ""
        marker = REVIEW_MARKER.search(body)
        found.append(ReviewPR(pr["number"], pr["head"]["ref"], (marker.group(1), marker.group(2)) if marker else None))
    return found


def plan_reviews(repo: Repository, period: str, open_prs: list[ReviewPR], limit: int | None) -> SchedulePlan:
    """Every school, then every office, in code order: due (up to `limit`), or skipped with the reason."""
    on_main: dict[str, LoadedReview] = {r.school: r for r in repo.reviews.reviews if r.period == period}
    unreadable = {error.file for error in repo.reviews.errors}
    due: list[Due] = []
    skipped: list[Skipped] = []
    left = 0
    accesses = effective_access(repo)
    for school in review_locations(repo):
        branch = review_branch(school, period)
        pr = next((p for p in sorted(open_prs, key=lambda p: p.number)
                   if p.head_ref == branch or p.review == (school, period)), None)
        file = location_review_path(repo, school, period)
        if pr is not None:
            skipped.append(Skipped(school, f"pull request #{pr.number} is open", pr.number))
        elif school in on_main:
            status = on_main[school].model.status.value
            skipped.append(Skipped(school, "done" if status == "completed" else f"{file} is on the branch, {status}"))
        elif file in unreadable:
            skipped.append(Skipped(school, f"{file} is on the branch but cannot be read (RB700)"))
        elif limit is not None and len(due) >= limit:
            left += 1
        else:
            users, teams = review_requests(repo, school, accesses)
            due.append(Due(school, branch, file, tuple(users), tuple(teams)))
    return SchedulePlan(period, due, skipped, left)
