"""Six-monthly access reviews: the review file, its evidence for auditors, and which schools are overdue.

`latest_review(repo_root, school)` gives the evidence of a school's last completed review (who, when,
each decision and reason, the commit) for the audit pages; `overdue_reviews(repo, today)` gives the
schools whose review is older than policy.review_interval_months, or that were never reviewed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rolebook.infra.gitcommit import last_commit_of
from rolebook.loading import Repository
from rolebook.model.review import Decision, ReviewFile, ReviewItem, ReviewStatus, add_months, period_of
from rolebook.reviews.load import LoadedReview, ReviewSet, load_reviews, read_review

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


@dataclass(frozen=True)
class OverdueReview:
    school: str
    name: str
    last_period: str | None
    last_reviewed_on: dt.date | None
    due_on: dt.date | None  # None: never reviewed

    @property
    def never_reviewed(self) -> bool:
        return self.last_period is None


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


def school_reviews(root: Path, school: str) -> ReviewSet:
    found = ReviewSet()
    folder = root / "access" / "schools" / school / "reviews"
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.suffix in {".yaml", ".yml"} and path.is_file():
            loaded, errors = read_review(root, path.relative_to(root).as_posix())
            found.errors.extend(errors)
            if loaded is not None:
                found.reviews.append(loaded)
    return found


def latest_review(repo_root: Path | str, school_code: str) -> ReviewSummary | None:
    """The school's most recent completed review, or None if it has none (or none that can be read)."""
    root = Path(repo_root)
    latest = school_reviews(root, school_code).latest_completed(school_code)
    return summarize(root, latest) if latest is not None else None


def overdue_reviews(repo: Repository, today: dt.date, reviews: ReviewSet | None = None) -> list[OverdueReview]:
    """Schools whose last completed review is older than the policy's interval, or that have none."""
    reviews = reviews if reviews is not None else load_reviews(repo.root)
    months = repo.policy.review_interval_months
    overdue = []
    for code, school in repo.schools.items():
        latest = reviews.latest_completed(code)
        if latest is None:
            overdue.append(OverdueReview(code, school.name, None, None, None))
            continue
        due = add_months(latest.effective_date, months)
        if today > due:
            overdue.append(OverdueReview(code, school.name, latest.period, latest.model.reviewed_on, due))
    return overdue
