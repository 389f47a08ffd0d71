"""Who may read which pages of the internal audit site, derived from the data of the build.

The district's instructions give a school's Security Audit Report to that school's Office Manager,
Principal and Scheduling Administrator (policy.audit_report_roles). Besides them:

- a school's pages: the active holders of those roles at the school (through any grant, a cluster's
  included), the approvers of its local district (the cluster's approvers group) and the auditors;
- an office's pages: its approvers group, the approvers of its local district (when it has one) and
  the auditors;
- district-wide pages (dashboard, person lookup and its people.json, all locations, local districts):
  the auditors group (policy.site_access.auditors) and the access administrators, who therefore read
  every page: people.json already holds everything the location pages show.

A reader is known to the web server by one staff field (policy.site_access.identity_field: e-mail or
Git username), compared in lowercase. A reader without that field, or with a value another staff
record shares, can never be recognised: such readers are listed as unreachable, never silently dropped.
Separated staff read nothing; a grant that is locked, suspended or past its expiry gives no readership.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rolebook.facts.resolve import Access
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, HRStatus, IdentityField, StaffMember
from rolebook.paths import STAFF_FILE

# What an identity may hold to be written into the web server's access map as it is (quoted, no escapes).
SAFE_IDENTITY = re.compile(r"^[a-z0-9._%+@-]+$")


@dataclass(frozen=True, slots=True)
class Unreachable:
    """A person who should read some pages but whom the web server cannot recognise."""

    employee: str
    name: str
    why: str
    reads: str  # what they would read: "district-wide pages" or "location 100, 200"


@dataclass
class Readership:
    """Identities (lowercase) allowed on every page, and on each location's pages."""

    identity_field: IdentityField
    everything: set[str] = field(default_factory=set)
    locations: dict[str, set[str]] = field(default_factory=dict)
    unreachable: list[Unreachable] = field(default_factory=list)

    def may_read(self, identity: str, location: str | None) -> bool:
        """Whether an identity reads a location's pages (None: the district-wide pages)."""
        who = identity.strip().lower()
        if who in self.everything:
            return True
        return location is not None and who in self.locations.get(location, set())

    def to_json(self) -> dict[str, object]:
        return {
            "identity_field": self.identity_field.value,
            "everything": sorted(self.everything),
            "locations": {code: sorted(ids) for code, ids in sorted(self.locations.items())},
            "unreachable": [{"employee": u.employee, "name": u.name, "why": u.why, "reads": u.reads}
                            for u in self.unreachable],
        }


def identity_of(person: StaffMember, identity_field: IdentityField) -> str | None:
    value = person.email if identity_field is IdentityField.email else person.git_username
    return value.strip().lower() if value else None


def readers(repo: Repository, accesses: Iterable[Access], today: dt.date) -> Readership:
    """The readership of every location's pages and of the district-wide pages."""
    policy = repo.policy
    identity_field = policy.site_access.identity_field
    shared = _shared_identities(repo.staff.values(), identity_field)
    result = Readership(identity_field)
    # employee -> the locations they read (None: everything), to report the unreachable once each.
    wanted: dict[str, set[str | None]] = {}

    def add(employees: Iterable[str], location: str | None) -> None:
        for employee in employees:
            person = repo.staff.get(employee)
            if person is None or person.hr_status is HRStatus.separated:
                continue
            wanted.setdefault(employee, set()).add(location)

    everyone = [*_members(repo, policy.site_access.auditors), *_members(repo, policy.access_administrators)]
    add(everyone, None)
    report_roles = frozenset(policy.audit_report_roles)
    for access in accesses:
        if access.role in report_roles and _in_force(access, today):
            add([access.employee], access.location)
    for school in repo.schools.values():
        cluster = repo.clusters.get(school.cluster)
        add(_members(repo, cluster.approvers if cluster else None), school.code)
    for office in repo.offices.values():
        add(_members(repo, office.approvers), office.code)
        cluster = repo.clusters.get(office.cluster or "")
        add(_members(repo, cluster.approvers if cluster else None), office.code)

    for employee, places in wanted.items():
        person = repo.staff[employee]
        identity = identity_of(person, identity_field)
        why = _unrecognisable(identity, identity_field, shared)
        if why or identity is None:
            reads = ("district-wide pages" if None in places
                     else "location " + ", ".join(sorted(p for p in places if p is not None)))
            result.unreachable.append(Unreachable(employee, person.display_name, why, reads))
            continue
        for place in places:
            if place is None:
                result.everything.add(identity)
            else:
                result.locations.setdefault(place, set()).add(identity)
    result.unreachable.sort(key=lambda u: u.employee)
    return result


def _unrecognisable(identity: str | None, identity_field: IdentityField, shared: frozenset[str]) -> str:
    """Why the web server could not recognise this identity; empty when it can."""
    if identity is None:
        return f"no {identity_field.value} in {STAFF_FILE}"
    if identity in shared:
        return f"the {identity_field.value} {identity} is shared by more than one staff record"
    if not SAFE_IDENTITY.match(identity):
        return (f"the {identity_field.value} {identity!r} has characters other than letters, digits "
                f"and . _ % + @ -")
    return ""


def _members(repo: Repository, group_id: str | None) -> list[str]:
    group = repo.groups.get(group_id or "")
    return list(group.members) if group else []


def _in_force(access: Access, today: dt.date) -> bool:
    grant = access.grant
    return grant.status is GrantStatus.active and (grant.expires is None or grant.expires >= today)


def _shared_identities(staff: Iterable[StaffMember], identity_field: IdentityField) -> frozenset[str]:
    counts = Counter(identity for person in staff if (identity := identity_of(person, identity_field)))
    return frozenset(identity for identity, count in counts.items() if count > 1)
