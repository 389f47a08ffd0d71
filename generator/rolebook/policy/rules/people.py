"""People and HR: who may hold access at all (RB1xx)."""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter

from rolebook.model.files import HRStatus
from rolebook.model.findings import Finding, Severity
from rolebook.paths import STAFF_FILE
from rolebook.policy.rules.base import Context, Need, Rule, register
from rolebook.policy.rules.common import person, place


@register
class UnknownEmployee(Rule):
    """Every grant names someone the staff directory (the HR export) knows.

    Why: access is tied to a real, identifiable person. The district rejects requests "without a valid
    8-digit employee number" (000), and the UK guide asks that every account be associated to a person
    (002). The loader already refuses numbers that are not 8 digits; this rule checks the number
    exists in `access/staff.yaml`.

    Fix: correct the employee number, or wait for HR to add the person (run `rolebook hr` after the
    next export) before requesting access.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10009999"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB101"
    name = "unknown-employee"
    severity = Severity.error
    summary = "The employee number of a grant exists in the staff directory."
    sources = ("000", "002")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        unknown = self.context.employees - repo.staff.keys()
        for record, index, grant in self.context.rows_of(unknown):
            if grant.employee not in repo.staff:
                yield self.at_grant(
                    record, index,
                    f"Employee {grant.employee} at {place(repo, record.code)} is not in the staff directory",
                    f"check the 8-digit employee number, or add the person to {STAFF_FILE} from the HR "
                    "export first", "employee")


def _with_status(context: Context, status: HRStatus) -> list[str]:
    """The employees whose HR record has this status."""
    return context.staff_with("hr_status", {status})


@register
class HRRecordNotProcessed(Rule):
    """Access waits until the person's HR record is processed.

    Why: "Access cannot be granted until the staff member's human resources (HR) record is completely
    processed, and all pending HR issues are resolved" (000). A pending record means no access yet.

    Fix: remove the grant and request it again once HR marks the record processed.

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: pending
             locations: ["100"]

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
    """

    code = "RB102"
    name = "hr-record-pending"
    severity = Severity.error
    summary = "No grant before the person's HR record is processed (pending means no access)."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant in self.context.rows_of(_with_status(self.context, HRStatus.pending)):
            member = repo.staff.get(grant.employee)
            if member is not None and member.hr_status is HRStatus.pending:
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)} has a grant at {place(repo, record.code)}, but the HR "
                    "record is still pending",
                    "remove this grant; request access again once HR has processed the record", "employee")


@register
class SeparatedStaffGrant(Rule):
    """Staff who left or retired hold no active grant.

    Why: administrators "should remove access for personnel ... who retire ... [or] leave the District",
    and "removal of access is not automatic in any situation" (000). A leaver's account left active
    can still be used (002, section 7).

    Fix: remove the grant (`rolebook offboard` removes every grant of separated staff at once).

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: separated
             locations: []

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: separated
             locations: []
    """

    code = "RB103"
    name = "separated-staff-grant"
    severity = Severity.error
    summary = "Separated staff (left, retired) hold no active grant."
    sources = ("000", "002")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant in self.context.rows_of(_with_status(self.context, HRStatus.separated)):
            member = repo.staff.get(grant.employee)
            if member is not None and member.hr_status is HRStatus.separated and grant.status.value == "active":
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)} has left (HR status separated) but still holds "
                    f"{', '.join(grant.roles)} at {place(repo, record.code)}",
                    "remove this grant now; `rolebook offboard` removes all grants of separated staff",
                    "employee")


@register
class TransferredStaffGrant(Rule):
    """A grant is only at a location where HR assigns the person.

    Why: "Employees transferring from one school to another must submit a new oneAccess Request to gain
    access to the new school of assignment ... Please use oneAccess to 'Remove Access from Previous
    School'" (000). A grant at a school HR no longer lists for the person is a transfer that was never
    cleaned up. Grants in an office's file are checked against the office the same way.

    Fix: file a new request at the new school and remove this grant (`rolebook transfer` does both).

    .. rule-example:: fail
       access/schools/200/grants.yaml: |
         location: "200"
         grants:
           - employee: "20000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
           - employee: "10000003"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB104"
    name = "transferred-staff-grant"
    severity = Severity.error
    summary = "A grant at a location where HR no longer assigns the person is a transfer: re-request."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        staff = repo.staff
        # Who HR assigns to each location: a file whose people HR all assigns there is passed by one
        # `issuperset` (in C); only the few others are looked at grant by grant.
        staff_at: dict[str, set[str]] = defaultdict(set)
        for employee, locations in zip(staff.keys(), map(attrgetter("locations"), staff.values()), strict=True):
            for code in locations:
                staff_at[code].add(employee)
        nobody: set[str] = set()
        by_record = self.context.employees_by_record
        for record in self.context.records():
            assigned = staff_at.get(record.code, nobody)
            if assigned.issuperset(by_record[record.code]):
                continue
            for index, grant in enumerate(record.model.grants):
                if grant.employee in assigned:
                    continue
                member = staff.get(grant.employee)
                if member is None or member.hr_status is HRStatus.separated or record.code in member.locations:
                    continue
                assigned_to = ", ".join(place(repo, code) for code in member.locations) or "no location"
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)} has a grant at {place(repo, record.code)}, but HR assigns "
                    f"them to {assigned_to}",
                    f"file a new request at {assigned_to if member.locations else 'the new school'} and remove "
                    "this grant (`rolebook transfer`)", "employee")


def _combined(patterns: list[str]) -> list[re.Pattern[str]]:
    """The patterns as (at most) two alternations, which find the same names in two searches instead of ten.

    Those anchored at the start (`^guest`) go together: the regex engine tries such an alternation at
    the start of a name only, where one unanchored pattern among them would make it try every position.
    Only when that cannot change what matches: no groups (a backreference's number would shift) and no
    inline flags (allowed only at the start of a pattern).
    """
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    if len(compiled) < 2 or any(c.groups or "(?" in p for c, p in zip(compiled, patterns, strict=True)):
        return compiled
    anchored = [p for p in patterns if p.startswith("^")]
    others = [p for p in patterns if not p.startswith("^")]
    return [re.compile("|".join(f"(?:{p})" for p in group), re.IGNORECASE) for group in (anchored, others) if group]


def _generic_values(patterns: list[re.Pattern[str]], values: list[str]) -> set[str]:
    """The values some pattern finds: `filter` runs the searches without a Python loop. (Searching
    only the distinct values is slower: a set visits the strings out of memory order.)"""
    return set().union(*(filter(pattern.search, values) for pattern in patterns))


def _generic_match(generic: set[str], name: str, joined_name: str, username: str | None) -> tuple[str, str] | None:
    """What makes one person's record look generic: the first of their names and Git username found."""
    candidates = [("name", name), ("name", joined_name)]
    if username:
        candidates.append(("Git username", username))
    return next(((what, value) for what, value in candidates if value in generic), None)


@register
class GenericAccount(Rule):
    """No generic, shared, guest or test accounts.

    Why: "It is NOT recommended that you name user accounts with generic names (for example 'User 1' or
    'AdminDepartment') as these accounts cannot be associated to a person", and guest accounts "break
    the responsibility for maintaining access authorisation" (002). The staff names and Git usernames
    are checked against `generic_account_patterns` in `roles/policy.yaml` (regular expressions,
    case-insensitive).

    Fix: give each person their own record and their own Git username; remove the shared one.

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: "1"
             first_name: User
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]

    .. rule-example:: fail Git username
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: guest-office

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
    """

    code = "RB105"
    name = "generic-account"
    severity = Severity.error
    summary = "No generic, shared, guest or test accounts (names and Git usernames)."
    sources = ("002",)
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        patterns = _combined(repo.policy.generic_account_patterns)
        members = repo.staff.values()
        # Everyone's names, column by column: `map` reads the records in C, where a Python loop over
        # 75,000 of them would cost more than the searches. A name is checked as written ("User 1")
        # and run together ("User1"), as people write shared accounts both ways.
        names = list(map(attrgetter("display_name"), members))
        joined_names = list(map(operator.add, map(attrgetter("first_name"), members),
                                map(attrgetter("last_name"), members)))
        usernames: list[str | None] = list(map(attrgetter("git_username"), members))
        generic = _generic_values(patterns, [*names, *joined_names, *filter(None, usernames)])
        if not generic:
            return
        for employee, *candidates in zip(repo.staff, names, joined_names, usernames, strict=True):
            if generic.isdisjoint(candidates):
                continue
            match = _generic_match(generic, *candidates)
            if match is None:
                continue
            what, value = match
            file, line = repo.staff_line(employee)
            yield self.finding(
                file, line, f"Staff record {employee} looks like a generic or shared account ({what} '{value}')",
                "every account belongs to one named person: use their own name and Git username, "
                "and remove the shared account and its grants", employee=employee, key=(employee,))


@register
class ContractorDetails(Rule):
    """A contractor has a sponsor on staff and a contract end date.

    Why: contract and temporary staff "should not be treated any differently to other users" and their
    access ends when the organisation no longer sub-contracts them (002, sections 7 and 10.1). A named
    sponsor answers for them, and the end date lets the validator stop their access in time.

    Fix: set `sponsor:` (the employee number of a current staff member) and `contract_end:` on the
    contractor's record in the staff directory.

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: classified
             position: Data Contractor
             hr_status: processed
             locations: ["100"]
             contractor: true

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: classified
             position: Data Contractor
             hr_status: processed
             locations: ["100"]
             contractor: true
             sponsor: "10000001"
             contract_end: 2027-12-31
    """

    code = "RB106"
    name = "contractor-details"
    severity = Severity.error
    summary = "A contractor has a sponsor (a current staff member) and a contract end date."
    sources = ("002",)
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for employee in self.context.staff_with("contractor", {True}):
            member = repo.staff[employee]
            missing = [field for field, value in (("sponsor", member.sponsor), ("contract_end",
                                                  member.contract_end)) if value is None]
            sponsor = repo.staff.get(member.sponsor) if member.sponsor else None
            if not missing and not (member.sponsor and (sponsor is None or sponsor.hr_status is HRStatus.separated
                                                        or sponsor.contractor)):
                continue  # nothing to report: do not look up the line (a large staff file is slow to index)
            file, line = repo.staff_line(employee)
            if missing:
                yield self.finding(
                    file, line, f"Contractor {person(repo, employee)} has no {' and no '.join(missing)}",
                    "set sponsor: (the employee number of the staff member who answers for them) and "
                    "contract_end: (YYYY-MM-DD) on their staff record", employee=employee, key=(employee,))
            sponsor = repo.staff.get(member.sponsor) if member.sponsor else None
            if member.sponsor and (sponsor is None or sponsor.hr_status is HRStatus.separated
                                   or sponsor.contractor):
                state = ("is not in the staff directory" if sponsor is None else
                         "has left" if sponsor.hr_status is HRStatus.separated else "is a contractor too")
                yield self.finding(
                    file, line, f"Contractor {person(repo, employee)}: sponsor {member.sponsor} {state}",
                    "name a current, directly employed staff member as sponsor", employee=employee,
                    key=(employee, "sponsor"))


@register
class GrantOutlivesContract(Rule):
    """No contractor's grant lasts beyond the contract.

    Why: a user account is removed when the person is "no longer being sub-contracted to by your
    organisation" (002, section 7). A grant that expires after the contract ends, or never expires,
    would keep access open after they go.

    Fix: set the grant's `expires:` on or before the contractor's `contract_end`.

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
             contractor: true
             sponsor: "10000001"
             contract_end: 2027-01-31

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
             contractor: true
             sponsor: "10000001"
             contract_end: 2027-12-31
    """

    code = "RB107"
    name = "grant-outlives-contract"
    severity = Severity.error
    summary = "No contractor's grant expires after the contract ends."
    sources = ("002",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        contractors = [e for e in self.context.staff_with("contractor", {True})
                       if repo.staff[e].contract_end is not None]
        for record, index, grant in self.context.rows_of(contractors):
            member = repo.staff.get(grant.employee)
            if member is None or not member.contractor or member.contract_end is None:
                continue
            if grant.expires is None or grant.expires > member.contract_end:
                until = f"expires {grant.expires.isoformat()}" if grant.expires else "never expires"
                yield self.at_grant(
                    record, index,
                    f"Contractor {person(repo, grant.employee)}'s grant at {place(repo, record.code)} {until}, "
                    f"after the contract ends on {member.contract_end.isoformat()}",
                    f"set expires: {member.contract_end.isoformat()} (or earlier)", "expires")


@register
class SharedGitUsername(Rule):
    """No two people claim the same Git host login.

    Why: an approval on a pull request is a person's signature only if the login maps to exactly one
    person. GitHub logins ignore case, so `Pat-Park` and `pat-park` are one account: two staff records
    claiming it would let one person sign in another's name, or make the approval gate pick either. The
    gate refuses to map such a login to anyone until the records are fixed.

    Fix: keep the login on the record of the person who owns the account and remove it from the other
    (compare with the account's profile on the Git host).

    .. rule-example:: fail
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
             git_username: Pat-Park

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "10000001"
             last_name: Park
             first_name: Pat
             staff_type: certificated
             position: Principal
             hr_status: processed
             locations: ["100"]
             git_username: pat-park
           - employee: "10000003"
             last_name: Chen
             first_name: Carl
             staff_type: certificated
             position: Teacher
             hr_status: processed
             locations: ["100"]
             git_username: carl-chen
    """

    code = "RB108"
    name = "shared-git-username"
    severity = Severity.error
    summary = "Each Git host login (case ignored) belongs to one staff record only."
    sources = ("002",)
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        claimed: dict[str, list[str]] = defaultdict(list)
        for employee, member in repo.staff.items():
            if member.git_username:
                claimed[member.git_username.lower()].append(employee)
        for employees in claimed.values():
            if len(employees) < 2:
                continue
            for employee in employees:
                others = ", ".join(person(repo, other) for other in employees if other != employee)
                file, line = repo.staff_line(employee)
                yield self.finding(
                    file, line,
                    f"{person(repo, employee)}'s git_username {repo.staff[employee].git_username!r} is also "
                    f"claimed by {others} (logins ignore case)",
                    "keep the login only on the record of the person who owns the account",
                    employee=employee, key=(employee, "git_username"))
