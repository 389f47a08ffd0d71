"""What an approver wants to know about each access a change gives, in plain words.

For every person who gains a role: are they known to HR, is their record processed, what is their staff
type; and how many people hold that role at that location after the change, against the guide's numbers.
The policy rules decide pass or fail; these are the facts behind them, for the pull-request comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rolebook.facts.diff import AccessChange
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, LocationKind


@dataclass(frozen=True, slots=True)
class RequestCheck:
    change: AccessChange
    known_to_hr: bool
    hr_status: str | None
    staff_type: str | None
    position: str | None
    holders_after: int  # people holding the role through this location's own grants file
    quota_text: str | None
    minimum: int | None
    maximum: int | None
    allowed_by_ratio: int | None

    @property
    def count_sentence(self) -> str:
        role, place = self.change.role_name, self.change.location_name
        text = f"{role} at {place} now has {self.holders_after} holder{'s' if self.holders_after != 1 else ''}"
        limits = []
        if self.minimum is not None:
            limits.append(f"a minimum of {self.minimum}")
        if self.maximum is not None:
            limits.append(f"a maximum of {self.maximum}")
        if self.allowed_by_ratio is not None:
            limits.append(f"{self.allowed_by_ratio} allowed for its enrollment")
        if limits:
            text += ", against " + " and ".join(limits)
        elif self.quota_text:
            text += f" (the guide says: {self.quota_text})"
        return text

    @property
    def person_sentence(self) -> str:
        if not self.known_to_hr:
            return f"employee {self.change.employee} is NOT in the HR staff directory"
        parts = [f"{self.change.name} ({self.change.employee}) is known to HR",
                 f"the record is {self.hr_status}"]
        if self.staff_type:
            parts.append(f"the staff type is {self.staff_type}" + (f" ({self.position})" if self.position else ""))
        return ", ".join(parts)


def request_checks(head: Repository, changes: list[AccessChange], today: dt.date) -> list[RequestCheck]:
    checks = []
    for change in changes:
        if change.change != "added":
            continue
        member = head.staff.get(change.employee)
        role = head.roles.get(change.role)
        school = head.schools.get(change.location)
        record = head.grants.get(change.location)
        holders = set()
        if record is not None:
            for grant in record.model.grants:
                live = grant.status is GrantStatus.active and (grant.expires is None or grant.expires >= today)
                if live and change.role in grant.roles and grant.scope == "location":
                    holders.add(grant.employee)
        quota = role.quota if role else None
        level = school.level if school else None
        on_school = record is not None and record.kind is LocationKind.school
        checks.append(RequestCheck(
            change=change,
            known_to_hr=member is not None,
            hr_status=member.hr_status.value if member else None,
            staff_type=member.staff_type.value if member else None,
            position=member.position if member else None,
            holders_after=len(holders),
            quota_text=quota.text if quota else None,
            minimum=quota.minimum_for(level) if quota else None,
            maximum=quota.maximum if quota else None,
            allowed_by_ratio=quota.allowed_by_ratio(school.enrollment, level) if quota and school and on_school
            else None,
        ))
    return checks
