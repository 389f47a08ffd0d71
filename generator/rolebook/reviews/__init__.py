"""Six-monthly access reviews: the review file, its evidence for auditors, and which schools are overdue.

The review files are read by the loader (`Repository.reviews`, `rolebook.loading.records`); where each
school stands is a fact (`rolebook.facts.review_status`). Here: `latest_review(repo, school)` gives the
evidence of a school's last completed review (who, when, each decision and reason, the commit) for the
audit pages and the apply commit; `overdue_reviews(repo, today)` the schools whose review is late.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rolebook.facts.review_status import OverdueReview, latest_completed, overdue_reviews
from rolebook.infra.git import last_commit_of
from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, ReviewSet, load_reviews
from rolebook.model.review import Decision, ReviewFile, ReviewItem, ReviewStatus, period_of

__all__ = [
    "Decision", "LoadedReview", "OverdueReview", "ReviewDecisionRecord", "ReviewFile", "ReviewItem",
    "ReviewSet", "ReviewStatus", "ReviewSummary", "latest_review", "load_reviews", "overdue_reviews",
    "period_of",
]


@dataclass(frozen=True)
class ReviewDecisionRecord:
    employee: str
    roles: tuple[str, ...]
    via: str
    decision: str | None
    reason: str | None
    change_to: tuple[str, ...] | None
    decided_by: str | None  # who decided: the item's decided_by, else the file's reviewer


@dataclass(frozen=True)
class ReviewSummary:
    """The evidence of one school's review, for its audit page."""

    school: str
    period: str
    status: str
    reviewer: str | None
    reviewed_on: dt.date | None
    commit: str | None  # recorded in the file, else the commit that last changed the file
    file: str
    decisions: tuple[ReviewDecisionRecord, ...]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(d.decision or "undecided" for d in self.decisions)
        return {name: counted.get(name, 0) for name in ("keep", "remove", "change", "undecided")}


def summarize(root: Path, review: LoadedReview) -> ReviewSummary:
    model = review.model
    return ReviewSummary(
        school=model.school, period=model.period, status=model.status.value, reviewer=model.reviewer,
        reviewed_on=model.reviewed_on, commit=model.commit or last_commit_of(root, review.file),
        file=review.file,
        decisions=tuple(
            ReviewDecisionRecord(
                employee=item.employee, roles=tuple(item.roles), via=item.via,
                decision=item.decision.value if item.decision else None, reason=item.reason,
                change_to=tuple(item.change_to) if item.change_to is not None else None,
                decided_by=item.decided_by or model.reviewer,
            )
            for item in model.items
        ),
    )


def latest_review(repo: Repository, school_code: str) -> ReviewSummary | None:
    """The school's most recent completed review, or None if it has none (or none that can be read)."""
    latest = latest_completed(repo.reviews, school_code)
    return summarize(repo.root, latest) if latest is not None else None
