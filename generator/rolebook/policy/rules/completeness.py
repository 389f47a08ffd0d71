"""Completeness: the roles the guide says every holder of a position needs (RB801).

The guide's "# of Users" column says some roles "must be assigned to all" of a kind of staff (001):
Teacher to all certificated classroom teachers, Principal to all administrators assigned to a school,
School Full Read to all certificated, non-register carrying staff. A role's `required_for` says so as
data; this rule lists, school by school, who works there (the staff directory's locations) and does
not hold it, with the request that fixes it.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Iterable

from rolebook.facts.resolve import Access, effective_access
from rolebook.loading import Repository
from rolebook.model.files import HRStatus, LocationKind, Role, StaffMember
from rolebook.model.findings import Finding, Severity
from rolebook.paths import DISTRICT_FILE
from rolebook.policy.rules.base import Rule, register
from rolebook.policy.rules.common import place


class Requirements:
    """The roles with `required_for`, read once: at 75,000 staff the rule asks about each person."""

    def __init__(self, repo: Repository, today: dt.date):
        self.repo = repo
        self.roles = [(role, [(set(want.staff_types), {p.strip().lower() for p in want.positions})
                              for want in role.required_for])
                      for role in repo.roles.values()
                      if role.required_for and LocationKind.school in role.applies_to.locations
                      and (role.available_from is None or role.available_from <= today)]

    def of(self, member: StaffMember, school: str) -> list[Role]:
        """The roles `member` must hold at `school` (in a list of `required_for`, empty means any)."""
        if not self.roles:
            return []
        level = self.repo.schools[school].level
        position = member.position.strip().lower()
        return [role for role, wants in self.roles
                if (role.applies_to.school_levels is None or level in role.applies_to.school_levels)
                and any((not types or member.staff_type in types) and (not positions or position in positions)
                        for types, positions in wants)]


def request_command(member: StaffMember, school: str, roles: list[Role]) -> str:
    """The `rolebook request` that gives the missing roles, ready to paste."""
    words = ["rolebook", "request", "--employee", member.employee, "--school", school]
    for role in roles:
        words += ["--role", role.name]
    words += ["--reason", f"Required for every {member.position} (Guide to User Roles)"]
    return shlex.join(words)


@register
class RequiredRoleMissing(Rule):
    """Someone working at a school does not hold a role the guide says all of their kind must hold.

    Why: the guide's number of users is a minimum for some roles, not a ceiling: "the 'Teacher' role
    must be assigned to all certificated teachers" (001), Principal to "all administrators assigned
    to a school", School Full Read to "all certificated, non-register carrying staff". A teacher
    without Teacher cannot take attendance or enter grades, and works around it with someone
    else's account. Which staff a role is required for is the role's `required_for` (staff types
    and HR positions); the staff directory says where each person works. People whose HR record is
    not processed (pending, on leave, separated) are left out: they cannot be granted access yet.
    A grant that is locked or suspended counts as held: that was decided on purpose. Each person is
    one notice at the school's grants file, so a school's list reads as one block; a pull request
    is told only who its change leaves without a required role.

    Fix: request the role (the hint gives the `rolebook request` to paste), or, if the person does
    not work at that school any more, correct `locations` in the staff directory (HR export).

    .. rule-example:: fail

        access/schools/100/grants.yaml: |
          location: "100"
          grants:
            - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass

        access/schools/100/grants.yaml: |
          location: "100"
          grants:
            - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
            - {employee: "10000003", roles: [teacher], granted: 2026-08-01, expires: 2027-07-31, status: locked}
    """

    code = "RB801"
    name = "required-role-missing"
    severity = Severity.notice
    summary = "Someone at a school lacks a role the guide says all holders of their position need."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        context = self.context
        repo = context.repo
        candidates = self.candidates()
        missing = self.missing(repo, candidates, context.accesses)
        if context.base is not None and missing:
            # Pull-request mode: what was missing the same way on the base is not this change's, and is left
            # out here rather than matched later, because a partial load's staff directory holds only the
            # people its grants files name: a teacher whose last grant the change removes is known on the
            # base side only. Judged here with that record, both ways of computing the mode agree.
            base = context.base
            partial = repo.loaded_locations is not None  # then the staff file is the same on both sides
            people = {employee for employee, _school in missing}
            records = {e: base.staff.get(e) or candidates[e] for e in people if e in base.staff or partial}
            before = self.missing(base, records, effective_access(base, employees=people))
            missing = {key: roles for key, roles in missing.items()
                       if [r.id for r in before.get(key, [])] != [r.id for r in roles]}
        for (employee, school), roles in missing.items():
            yield self._finding(repo, candidates[employee], school, roles)

    def candidates(self) -> dict[str, StaffMember]:
        """The staff to judge: the directory; on a partial load also the base's records (the same file)."""
        context = self.context
        staff = context.repo.staff
        if context.base is not None and context.repo.loaded_locations is not None:
            return {**context.base.staff, **staff}
        return staff

    def missing(self, repo: Repository, staff: dict[str, StaffMember],
                accesses: Iterable[Access]) -> dict[tuple[str, str], list[Role]]:
        """{(employee, school): the required roles they do not hold there}, for the schools in scope."""
        context = self.context
        requirements = Requirements(repo, context.today)
        if not requirements.roles:
            return {}
        held: set[tuple[str, str, str]] = set()  # (school, employee, role), from unexpired grants
        for access in accesses:
            expires = access.grant.expires
            if expires is None or expires >= context.today:
                held.add((access.location, access.employee, access.role))
        found: dict[tuple[str, str], list[Role]] = {}
        for member in staff.values():
            if member.hr_status is not HRStatus.processed:
                continue
            for school in dict.fromkeys(member.locations):
                if school not in repo.schools or not context.in_scope(school):
                    continue
                lacking = [role for role in requirements.of(member, school)
                           if (school, member.employee, role.id) not in held]
                if lacking:
                    found[(member.employee, school)] = lacking
        return found

    def _finding(self, repo: Repository, member: StaffMember, school: str, roles: list[Role]) -> Finding:
        file, line = self._where(repo, school)
        who = f"{member.display_name} ({member.employee})"  # the record judged, on either side
        names = ", ".join(role.name for role in roles)
        words = "; ".join(f'{role.name} is for "{_guide_words(role)}"' for role in roles)
        return self.finding(
            file, line,
            f"{who}, {member.position} at {place(repo, school)}, does not hold {names} (the guide: {words})",
            f"request {names} for {who}: {request_command(member, school, roles)}",
            location=school, employee=member.employee,
            key=(school, member.employee, *sorted(role.id for role in roles)))

    @staticmethod
    def _where(repo: Repository, school: str) -> tuple[str, int]:
        """The school's grants file, at its `grants:` line (where the fix goes); else its district entry."""
        record = repo.grants.get(school)
        if record is not None:
            return record.file, record.source.locate(("grants",))[0]
        position = list(repo.schools).index(school)
        return DISTRICT_FILE, repo.locate(DISTRICT_FILE, ("schools", position, "code"))


def _guide_words(role: Role) -> str:
    notes = [want.note for want in role.required_for if want.note]
    return notes[0] if notes else role.quota.text
