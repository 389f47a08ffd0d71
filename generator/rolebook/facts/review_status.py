"""Where each school and office stands with its access review: the last one completed, and when it is due.

One answer for everyone who asks: the validator (RB704), `rolebook review status`, and the audit site's
header and dashboard all call these functions on the repository's reviews (`Repository.reviews`), so
they cannot disagree. Only a completed review counts; one still open or submitted is work in progress.
The report's per-grant decisions come from that same last completed review (`ReviewStanding.decision_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, ReviewSet
from rolebook.model.review import ReviewStatus, add_months


def latest_completed(reviews: ReviewSet, school: str) -> LoadedReview | None:
    """The school's most recent completed review (by the day it was done, then its period), or None."""
    done = [r for r in reviews.for_school(school) if r.model.status is ReviewStatus.completed]
    return max(done, key=lambda r: (r.effective_date, r.period), default=None)


@dataclass(frozen=True)
class ItemDecision:
    """What the last completed review decided about one grant reaching the school."""

    period: str
    decision: str | None  # "keep", "remove" or "change"; None: the item was left undecided
    decided_by: str | None  # Git username: the item's own decided_by, else the review's reviewer
    reason: str | None
    change_to: tuple[str, ...]
    file: str  # the review file, repository-relative
    commit: str | None  # the commit the review was merged in, when the file records it

    @property
    def label(self) -> str:
        """'keep', 'remove', 'change to counselor, teacher' or 'not decided'."""
        if self.decision is None:
            return "not decided"
        if self.decision == "change" and self.change_to:
            return "change to " + ", ".join(self.change_to)
        return self.decision


def item_decisions(review: LoadedReview) -> dict[tuple[str, str], list[tuple[frozenset[str], ItemDecision]]]:
    """(employee, via) -> each of the review's items for it, with the item's roles, in file order."""
    found: dict[tuple[str, str], list[tuple[frozenset[str], ItemDecision]]] = {}
    model = review.model
    for item in model.items:
        decision = ItemDecision(
            period=model.period, decision=item.decision.value if item.decision else None,
            decided_by=item.decided_by or model.reviewer, reason=item.reason,
            change_to=tuple(item.change_to or ()), file=review.file, commit=model.commit)
        found.setdefault((item.employee, item.via), []).append((frozenset(item.roles), decision))
    return found


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

    @cached_property
    def _decisions(self) -> dict[tuple[str, str], list[tuple[frozenset[str], ItemDecision]]]:
        return item_decisions(self.latest) if self.latest is not None else {}

    def decision_for(self, employee: str, via: str, roles: Collection[str]) -> ItemDecision | None:
        """The last completed review's decision on one grant: the item for this person reached this way
        (`via` as review files write it: 'direct', 'cluster ID', 'all-schools'), the one with the same
        roles when the person has several; None when the review did not list the grant (it is newer)."""
        items = self._decisions.get((employee, via))
        if not items:
            return None
        wanted = frozenset(roles)
        return next((decision for held, decision in items if held == wanted), items[0][1])


# The name the validator and `rolebook review status` have always used for a school that is late.
OverdueReview = ReviewStanding


def review_standing(repo: Repository, school: str, today: dt.date) -> ReviewStanding:
    """Overdue when the last completed review is older than policy.review_interval_months, or there is none."""
    latest = latest_completed(repo.reviews, school)
    name = repo.location_name(school)
    if latest is None:
        return ReviewStanding(school, name, None, None, True)
    due = add_months(latest.effective_date, repo.policy.review_interval_months)
    return ReviewStanding(school, name, latest, due, today > due)


def review_standings(repo: Repository, today: dt.date) -> dict[str, ReviewStanding]:
    """Every school's standing, then every office's, in the district file's order."""
    codes = [*repo.schools, *(code for code in repo.offices if code not in repo.schools)]
    return {code: review_standing(repo, code, today) for code in codes}


def overdue_reviews(repo: Repository, today: dt.date) -> list[ReviewStanding]:
    """Schools and offices whose last completed review is older than the policy's interval, or that have none."""
    return [standing for standing in review_standings(repo, today).values() if standing.overdue]
