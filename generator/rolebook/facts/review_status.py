"""Where each school stands with its six-monthly access review: the last one completed, and when it is due.

One answer for everyone who asks: the validator (RB704), `rolebook review status`, and the audit site's
header and dashboard all call these functions on the repository's reviews (`Repository.reviews`), so
they cannot disagree. Only a completed review counts; one still open or submitted is work in progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, ReviewSet
from rolebook.model.review import ReviewStatus, add_months


def latest_completed(reviews: ReviewSet, school: str) -> LoadedReview | None:
    """The school's most recent completed review (by the day it was done, then its period), or None."""
    done = [r for r in reviews.for_school(school) if r.model.status is ReviewStatus.completed]
    return max(done, key=lambda r: (r.effective_date, r.period), default=None)


@dataclass(frozen=True)
class ReviewStanding:
    """One school's review standing on a given day."""

    school: str
    name: str
    latest: LoadedReview | None  # the last completed review; None: never reviewed
    due_on: dt.date | None  # when the next review is due; None: never reviewed (due now)
    overdue: bool

    @property
    def never_reviewed(self) -> bool:
        return self.latest is None

    @property
    def last_period(self) -> str | None:
        return self.latest.period if self.latest else None

    @property
    def last_reviewed_on(self) -> dt.date | None:
        return self.latest.model.reviewed_on if self.latest else None

    @property
    def reviewer(self) -> str | None:
        return self.latest.model.reviewer if self.latest else None

    @property
    def label(self) -> str | None:
        """'2026-H2, 2026-09-15': the last completed review, as the audit pages show it."""
        if self.latest is None:
            return None
        when = self.last_reviewed_on
        return f"{self.latest.period}, {when.isoformat()}" if when else self.latest.period


# The name the validator and `rolebook review status` have always used for a school that is late.
OverdueReview = ReviewStanding


def review_standing(repo: Repository, school: str, today: dt.date) -> ReviewStanding:
    """Overdue when the last completed review is older than policy.review_interval_months, or there is none."""
    latest = latest_completed(repo.reviews, school)
    place = repo.schools.get(school)
    name = place.name if place else school
    if latest is None:
        return ReviewStanding(school, name, None, None, True)
    due = add_months(latest.effective_date, repo.policy.review_interval_months)
    return ReviewStanding(school, name, latest, due, today > due)


def review_standings(repo: Repository, today: dt.date) -> dict[str, ReviewStanding]:
    """Every school's standing, in the district file's order."""
    return {code: review_standing(repo, code, today) for code in repo.schools}


def overdue_reviews(repo: Repository, today: dt.date) -> list[ReviewStanding]:
    """Schools whose last completed review is older than the policy's interval, or that have none."""
    return [standing for standing in review_standings(repo, today).values() if standing.overdue]
