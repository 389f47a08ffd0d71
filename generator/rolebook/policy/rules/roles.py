"""Roles: every role exists, fits the location, and fits the person (RB2xx)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator

from rolebook.loading import GrantsRecord
from rolebook.model.files import Grant, LocationKind, SchoolLevel, StaffType
from rolebook.model.findings import Finding, Severity
from rolebook.paths import DISTRICT_FILE
from rolebook.policy.rules.base import Context, Rule, register
from rolebook.policy.rules.common import person, place


def grants_naming(context: Context, relevant: Callable[[GrantsRecord], set[str]]
                  ) -> Iterator[tuple[GrantsRecord, int, Grant]]:
    """The grants in scope naming a role of `relevant(record)`, in file order.

    A rule that can only find something about a few roles skips the files, then the grants, naming none
    of them: the rest could not give a finding anyway.
    """
    by_record = context.roles_by_record
    for record in context.records():
        roles = relevant(record)
        if not roles or roles.isdisjoint(by_record[record.code]):
            continue
        for index, grant in enumerate(record.model.grants):
            if not roles.isdisjoint(grant.roles):
                yield record, index, grant


@register
class UnknownRole(Rule):
    """Every role in a grant is defined in `roles/`.

    Why: a request is rejected without a valid user role (000); a grant gives at least one role from
    the list the system offers (002, "You must assign at least one role"). The loader refuses an empty
    list; this rule checks each id against the role catalog.

    Fix: use the role's id as in `roles/<id>.yaml` (`rolebook roles` lists them).

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [teachers]
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

    code = "RB201"
    name = "unknown-role"
    severity = Severity.error
    summary = "Every role named in a grant exists in the role catalog."
    sources = ("000", "002")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        unknown = set().union(*self.context.roles_by_record.values()) - repo.roles.keys()
        for record, index, grant in grants_naming(self.context, lambda record: unknown):
            for position, role in enumerate(grant.roles):
                if role in repo.roles:
                    continue
                close = difflib.get_close_matches(role, list(repo.roles), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                yield self.at_grant(
                    record, index, f"Unknown role '{role}' for {person(repo, grant.employee)} at "
                    f"{place(repo, record.code)}", hint + "use a role id from roles/ (`rolebook roles`)",
                    "roles", position, key=(record.code, grant.employee, role))


@register
class RoleLocationKind(Rule):
    """A role is granted only at the kind of location it is made for.

    Why: the guide groups roles into school roles (All Schools, Secondary Schools Only) and district
    office roles, requested through different channels (001). Office roles belong in an office's
    grants file, school roles in a school's. A role's `applies_to.locations` says which.

    Fix: move the grant to the right kind of grants file, or choose the matching school or office role.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [school-police]
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

    code = "RB202"
    name = "role-location-kind"
    severity = Severity.error
    summary = "School roles only at schools, office roles only at offices."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        misplaced = {kind: {r.id for r in repo.roles.values() if kind not in r.applies_to.locations}
                     for kind in LocationKind}
        for record, index, grant in grants_naming(self.context, lambda record: misplaced[record.kind]):
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                if role is None or record.kind in role.applies_to.locations:
                    continue
                where = " or ".join(f"{kind.value}s" for kind in role.applies_to.locations)
                yield self.at_grant(
                    record, index,
                    f"{role.name} is a role for {where}, but is granted at {place(repo, record.code)} "
                    f"(a {record.kind.value})",
                    f"grant {role.name} in the grants file of {where[:-1] if where.endswith('s') else where}, "
                    "or choose a role made for this location", "roles", position,
                    key=(record.code, grant.employee, role_id))


@register
class RoleSchoolLevel(Rule):
    """Secondary-only roles appear only at secondary schools.

    Why: the guide lists roles "for Secondary Schools Only" (001) such as Counselor Plus and CTE
    Teacher. A role's `applies_to.school_levels` names the levels; span schools teach secondary
    grades and count as secondary.

    Fix: remove the role at this school, or choose the all-schools role (e.g. Counselor).

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [counselor-plus]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/200/grants.yaml: |
         location: "200"
         grants:
           - employee: "20000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
           - employee: "20000002"
             roles: [counselor-plus]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB203"
    name = "role-school-level"
    severity = Severity.error
    summary = "Roles limited to some school levels (secondary only) appear only at those schools."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        wrong_level = {level: {r.id for r in repo.roles.values()
                               if r.applies_to.school_levels is not None and level not in r.applies_to.school_levels}
                       for level in SchoolLevel}
        no_roles: set[str] = set()

        def relevant(record: GrantsRecord) -> set[str]:
            school = repo.schools.get(record.code)
            return wrong_level[school.level] if school is not None else no_roles

        for record, index, grant in grants_naming(self.context, relevant):
            school = repo.schools.get(record.code)
            if school is None:
                continue
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                levels = role.applies_to.school_levels if role else None
                if role is None or levels is None or school.level in levels:
                    continue
                yield self.at_grant(
                    record, index,
                    f"{role.name} for {person(repo, grant.employee)}: the role is only for "
                    f"{', '.join(lvl.value for lvl in levels)} schools, and {school.name} is {school.level.value}",
                    f"remove {role.name} from this grant, or choose a role for every school",
                    "roles", position, key=(record.code, grant.employee, role_id))


@register
class StaffTypeEligibility(Rule):
    """Roles limited to a staff type go only to staff of that type.

    Why: the guide says who may hold some roles, e.g. Teacher is for "all certificated classroom
    teachers" (001), and the Security Audit Report shows each holder's staff type (000). A role's
    `eligibility.staff_types` lists the HR staff types allowed.

    Fix: choose a role the person's staff type may hold, or correct the staff type in HR.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000002"
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

    code = "RB204"
    name = "staff-type-eligibility"
    severity = Severity.error
    summary = "Roles limited to a staff type (Teacher: certificated) go only to staff of that type."
    sources = ("001", "000")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        limited = {r.id for r in repo.roles.values() if r.eligibility.staff_types}
        # Staff of a type that some limited role does not allow: nobody else can give a finding.
        allowed_by_all = set(StaffType).intersection(*(repo.roles[r].eligibility.staff_types for r in limited))
        outside = self.context.staff_with("staff_type", set(StaffType) - allowed_by_all) if limited else []
        rows = [row for row in self.context.rows_of(outside) if not limited.isdisjoint(row[2].roles)]
        for record, index, grant in rows:
            member = repo.staff.get(grant.employee)
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                allowed = role.eligibility.staff_types if role else []
                if role is None or member is None or not allowed or member.staff_type in allowed:
                    continue
                yield self.at_grant(
                    record, index,
                    f"{role.name} is for {' or '.join(t.value for t in allowed)} staff; "
                    f"{person(repo, grant.employee)} is {member.staff_type.value}",
                    f"choose a role for {member.staff_type.value} staff, or correct the staff type in HR",
                    "roles", position, key=(record.code, grant.employee, role_id))


@register
class PositionEligibility(Rule):
    """Roles limited to a position go only to people in that position.

    Why: some roles are "assigned only to School Police" (001). A role's `eligibility.positions`
    lists the HR positions allowed (compared case-insensitively).

    Fix: remove the role, or correct the person's position in HR.

    .. rule-example:: fail
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000001"
             roles: [school-police]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/staff.yaml: |
         staff:
           - employee: "90000001"
             last_name: Admin
             first_name: Ada
             staff_type: classified
             position: School Police
             hr_status: processed
             locations: [ITD]
             git_username: ada-itd
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000001"
             roles: [school-police]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB205"
    name = "position-eligibility"
    severity = Severity.error
    summary = "Roles limited to a position (School Police) go only to people in that position."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        limited = {r.id for r in repo.roles.values() if r.eligibility.positions}
        for record, index, grant in grants_naming(self.context, lambda record: limited):
            member = repo.staff.get(grant.employee)
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                allowed = {p.casefold() for p in role.eligibility.positions} if role else set()
                if role is None or member is None or not allowed or member.position.casefold() in allowed:
                    continue
                yield self.at_grant(
                    record, index,
                    f"{role.name} is only for {', '.join(role.eligibility.positions)}; "
                    f"{person(repo, grant.employee)} is {member.position}",
                    f"remove {role.name} from this grant, or correct the position in HR",
                    "roles", position, key=(record.code, grant.employee, role_id))


@register
class OrganisationTypeEligibility(Rule):
    """Roles limited to some kinds of organisation are used only by them.

    Why: some roles are "only available to" certain kinds of organisation, such as awarding bodies
    (002, section 10.3). A role's `eligibility.organisation_types` is compared with the types in
    `access/district.yaml` (`organisation.types`).

    Fix: remove the role, or, if the organisation really is of that type, add the type to the district.

    .. rule-example:: fail
       roles/district-limited-read.yaml: |
         id: district-limited-read
         name: District Limited Read
         category: other-district-offices
         description: Read access to limited student information.
         security_level: low
         modules: [All]
         user_types: [District staff]
         quota: {text: As needed}
         request_via: central-office-form
         applies_to: {locations: [office]}
         eligibility: {organisation_types: [awarding-body]}
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000001"
             roles: [district-limited-read]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000001"
             roles: [district-limited-read]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB206"
    name = "organisation-type-eligibility"
    severity = Severity.error
    summary = "Roles limited to some organisation types are only used by such organisations."
    sources = ("002",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        types = set(repo.district.organisation.types) if repo.district else set()
        limited = {r.id for r in repo.roles.values()
                   if r.eligibility.organisation_types and not types & set(r.eligibility.organisation_types)}
        for record, index, grant in grants_naming(self.context, lambda record: limited):
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                allowed = role.eligibility.organisation_types if role else []
                if role is None or not allowed or types & set(allowed):
                    continue
                yield self.at_grant(
                    record, index,
                    f"{role.name} is only for organisations of type {', '.join(allowed)}; this organisation "
                    f"is {', '.join(sorted(types)) or 'of no declared type'}",
                    f"remove {role.name}, or add the type to organisation.types in {DISTRICT_FILE} if it "
                    "applies", "roles", position, key=(record.code, grant.employee, role_id))


@register
class RoleNotYetAvailable(Rule):
    """A role is granted only from its availability date.

    Why: the guide announces some roles with a date from which they can be requested (001, e.g. the
    Independent Study roles "available 7/19/2022"). A grant before that date, or a role whose date is
    still ahead, cannot be set up in the system.

    Fix: set `granted:` on or after the role's availability date, or wait until it is available.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, is-administrator]
             granted: 2022-07-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, is-administrator]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB207"
    name = "role-not-yet-available"
    severity = Severity.error
    summary = "A role's availability date has passed, and no grant starts before it."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        today = self.context.today
        dated = {r.id for r in repo.roles.values() if r.available_from is not None}
        for record, index, grant in grants_naming(self.context, lambda record: dated):
            for position, role_id in enumerate(grant.roles):
                role = repo.roles.get(role_id)
                available = role.available_from if role else None
                if role is None or available is None:
                    continue
                if available > today or grant.granted < available:
                    yield self.at_grant(
                        record, index,
                        f"{role.name} is available from {available.isoformat()}, but "
                        f"{person(repo, grant.employee)}'s grant at {place(repo, record.code)} starts "
                        f"{grant.granted.isoformat()}",
                        f"set granted: on or after {available.isoformat()}", "roles", position,
                        key=(record.code, grant.employee, role_id))


