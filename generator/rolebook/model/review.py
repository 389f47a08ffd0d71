"""The review file: one school's (or office's) six-monthly access review, decided item by item.

`access/schools/<code>/reviews/<period>.yaml`. A review opens listing every grant that reaches the
school (direct, or inherited via a cluster or all schools); the designated reviewer decides each
one (keep, remove or change, with a reason); the merged file is the evidence auditors see. An
office's review, `access/offices/<code>/reviews/<period>.yaml`, lists every grant in the office's
own grants file (whatever its scope); its `school:` field holds the office's code, so that one file
format serves both.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from rolebook.model.files import EmployeeNumber, GitUsername, LocationCode, Slug, Strict, Text

PERIOD_PATTERN = re.compile(r"^([0-9]{4})-H([12])$")
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN.pattern, strict=True)]
Via = Annotated[str, StringConstraints(pattern=r"^(direct|all-schools|cluster [a-z0-9][a-z0-9-]*)$", strict=True)]
CommitId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,40}$", strict=True)]


class ReviewStatus(StrEnum):
    open = "open"  # being filled in: may be incomplete
    submitted = "submitted"  # the reviewer is done: must be complete
    completed = "completed"  # merged and counted as the school's review: must be complete

    @property
    def must_be_complete(self) -> bool:
        return self is not ReviewStatus.open


class Decision(StrEnum):
    keep = "keep"
    remove = "remove"
    change = "change"


class ReviewItem(Strict):
    """One grant reaching the school, and the reviewer's decision on it."""

    employee: EmployeeNumber
    roles: list[Slug] = Field(min_length=1)
    via: Via = Field("direct", description="'direct', 'cluster ID' or 'all-schools': where the grant lives.")
    decision: Decision | None = None
    reason: Text | None = None
    change_to: list[Slug] | None = Field(None, description="For 'change': the roles the person should hold instead.")
    decided_by: GitUsername | None = Field(
        None, description="Who decided this item when not the file's reviewer (e.g. the principal's own grant)."
    )


class ReviewFile(Strict):
    school: LocationCode = Field(description="The location reviewed: a school's code, or an office's.")
    period: Period = Field(description="Half-year reviewed: YYYY-H1 (January-June) or YYYY-H2 (July-December).")
    status: ReviewStatus = ReviewStatus.open
    reviewer: GitUsername | None = Field(None, description="Git username of the designated reviewer.")
    reviewed_on: dt.date | None = None
    commit: CommitId | None = Field(None, description="The commit the review was merged in, when recorded.")
    items: list[ReviewItem] = Field(default_factory=list)


def period_of(day: dt.date) -> str:
    """January-June is H1, July-December H2."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def period_start(period: str) -> dt.date:
    match = PERIOD_PATTERN.match(period)
    if not match:
        raise ValueError(f"'{period}' is not a period like 2026-H2")
    return dt.date(int(match.group(1)), 1 if match.group(2) == "1" else 7, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    days_in_month = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
                     31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, days_in_month))
