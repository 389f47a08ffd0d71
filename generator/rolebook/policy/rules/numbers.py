"""Numbers: the guide's recommended number of users, approvers and access administrators (RB3xx)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import cast

from rolebook.loading import GrantsRecord, Repository
from rolebook.model.files import GrantStatus, HRStatus, LocationKind, Role, School, SchoolLevel
from rolebook.model.findings import Finding, Severity
from rolebook.paths import DISTRICT_FILE, GROUPS_FILE, STAFF_FILE
from rolebook.policy.rules.base import Context, Need, Rule, register
from rolebook.policy.rules.common import is_live, person, plural, role_name

# in file order. A dict keeps the first seat of each person in one `setdefault`; where exactly the seat is
# (grant and role position) is looked up only for the few holders a finding names (`_seat`).
Holders = dict[str, dict[str, GrantsRecord]]


def school_holders(context: Context, record: GrantsRecord) -> Holders:
    """role id -> distinct live holders from this file's own grants, in file order, for the roles
    counted here (`counted_roles`).

    Only grants in the school's own file count: district staff who reach the school through a cluster
    or all schools do not take the school's seats. Counted once per run and shared by the rules here.
    """
    cache = cast(dict[str, Holders], context.extra.setdefault("school_holders", {}))
    found = cache.get(record.code)
    if found is None:
        found = cache[record.code] = _count_holders(context, record)
    return found


def counted_roles(context: Context) -> set[str]:
    """The roles whose holders the rules here count: those with a number in their quota, and the
    approver and audit report roles. The rest (Teacher, most grants) need no counting."""
    if "counted_roles" not in context.extra:
        repo = context.repo
        context.extra["counted_roles"] = {
            *(role.id for role in repo.roles.values()
              if any(value is not None for name, value in role.quota if name != "text")),
            *repo.policy.approver_roles, *repo.policy.audit_report_roles}
    return cast(set[str], context.extra["counted_roles"])


def _count_holders(context: Context, record: GrantsRecord) -> Holders:
    holders: dict[str, dict[str, GrantsRecord]] = defaultdict(dict)
    counted = counted_roles(context)
    today, active = context.today, GrantStatus.active
    for grant in record.model.grants:
        roles = grant.roles
        # is_live, written out: this loop meets every grant of the district.
        if counted.isdisjoint(roles) or grant.status is not active or (
                grant.expires is not None and grant.expires < today):
            continue
        employee = grant.employee
        for role in roles:
            if role in counted:
                holders[role].setdefault(employee, record)
    return dict(holders)


def _seat(context: Context, record: GrantsRecord, employee: str, role: str) -> tuple[int, int]:
    """(grant index, role position) of the seat a holder takes: their first live grant of the role."""
    for index, grant in enumerate(record.model.grants):
        if grant.employee == employee and role in grant.roles and is_live(grant, context.today):
            return index, grant.roles.index(role)
    raise ValueError(f"{employee} holds no live grant of {role} in {record.file}")


def office_holders(context: Context) -> Holders:
    """role id -> distinct live holders across every office's grants file, for district-wide quotas."""
    if "office_holders" in context.extra:
        return cast(Holders, context.extra["office_holders"])
    holders: Holders = defaultdict(dict)
    for record in context.repo.grants.values():
        if record.kind is not LocationKind.office:
            continue
        for role, found in school_holders(context, record).items():
            merged = holders[role]
            for employee, source in found.items():
                merged.setdefault(employee, source)
    context.extra["office_holders"] = shared = dict(holders)
    return shared


def applies_at(role: Role, school: School) -> bool:
    levels = role.applies_to.school_levels
    return LocationKind.school in role.applies_to.locations and (levels is None or school.level in levels)


def is_office_role(role: Role) -> bool:
    return role.applies_to.locations == [LocationKind.office]


def schools_in_scope(context: Context) -> Iterator[tuple[School, GrantsRecord | None]]:
    for code, school in context.repo.schools.items():
        if context.in_scope(code):
            yield school, context.repo.grants.get(code)


def offices_in_scope(context: Context) -> bool:
    return context.scope is None or any(code in context.repo.offices for code in context.scope)


def where_line(repo: Repository, code: str, record: GrantsRecord | None) -> tuple[str, int]:
    """A school's grants file (at `grants:`), or its entry in the district file when it has none."""
    if record is not None:
        return record.file, record.source.locate(("grants",))[0]
    kind = "schools" if code in repo.schools else "offices"
    places = repo.schools if kind == "schools" else repo.offices
    index = list(places).index(code) if code in places else 0
    return DISTRICT_FILE, repo.locate(DISTRICT_FILE, (kind, index))


def _excess(rule: Rule, role: Role, holders: dict[str, GrantsRecord], allowed: int, where: str, message: str,
            hint: str) -> Iterator[Finding]:
    """One finding per holder beyond what is allowed, so a change that adds a holder is always new."""
    repo = rule.context.repo
    for number, (employee, record) in enumerate(islice(holders.items(), allowed, None), start=allowed + 1):
        index, position = _seat(rule.context, record, employee, role.id)
        yield rule.finding(
            record.file, record.line_of(index, "roles", position),
            f"{message}; {person(repo, employee)} is holder number {number}", hint,
            location=where, employee=employee, key=(where, role.id, employee))


@register
class QuotaMaximum(Rule):
    """No more holders of a role than the guide's maximum.

    Why: the Guide to User Roles gives a recommended number of users for each role, e.g. Scheduling
    Administrator "1 per 1,000 students; 2 minimum; 4 maximum" (001). "When approving user roles,
    administrators must consider the level of responsibility involved" (000). Over the maximum is an
    error.

    How it counts: distinct people holding the role through live grants (status active, not expired)
    in the school's own grants file. District staff who reach a school through a cluster or all schools
    do not take the school's seats. Office roles (such as ODA Testing Score Administrator, "1 or 2";
    Pupil Services SARB, "10 maximum") are counted across all offices together. Each holder beyond
    the maximum gets a finding, so a request that adds one more is always reported as new.

    Fix: remove the role from someone, or ask the district to change the quota in the role's file.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, discipline-designee-s]
             granted: 2026-08-01
             expires: 2027-07-31
           - {employee: "10000002", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "10000003", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "20000001", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "20000002", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "20000003", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, discipline-designee-s]
             granted: 2026-08-01
             expires: 2027-07-31
           - {employee: "10000002", roles: [discipline-designee-s], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB301"
    name = "quota-maximum"
    severity = Severity.error
    summary = "No more holders of a role at a school (or district-wide, for office roles) than the maximum."
    sources = ("001", "000")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for school, record in schools_in_scope(self.context):
            if record is None:
                continue
            for role_id, holders in school_holders(self.context, record).items():
                role = repo.roles.get(role_id)
                maximum = role.quota.maximum if role else None
                if role is None or maximum is None or len(holders) <= maximum:
                    continue
                yield from _excess(
                    self, role, holders, maximum, school.code,
                    f"{role.name} at {school.name}: {len(holders)} granted, maximum {maximum} ({role.quota.text})",
                    f"remove {role.name} from {plural(len(holders) - maximum, 'holder')} at {school.name}")
        if offices_in_scope(self.context):
            for role_id, holders in office_holders(self.context).items():
                role = repo.roles.get(role_id)
                maximum = role.quota.maximum if role else None
                if role is None or maximum is None or not is_office_role(role) or len(holders) <= maximum:
                    continue
                yield from _excess(
                    self, role, holders, maximum, "district",
                    f"{role.name} across the district's offices: {len(holders)} granted, maximum {maximum} "
                    f"({role.quota.text})",
                    f"remove {role.name} from {plural(len(holders) - maximum, 'holder')}")


@register
class QuotaMinimum(Rule):
    """At least the guide's minimum number of holders of a role.

    Why: some roles need cover, e.g. Health Office "As needed; 2 minimum", Counselor "4 minimum for
    secondary schools; 2 minimum for elementary schools" (001): with fewer, the work stops when one
    person is away. Under the minimum is a warning. Minimums apply only at schools where the role
    applies (secondary-only roles at secondary schools). Counting is as for RB301: the school's own
    live grants; office roles (Pupil Services Homeless, "2 minimum") across all offices together.

    Fix: request the role for more staff at the school.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, health-office]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/district.yaml: |
         organisation: {name: Test Unified, types: [school-district]}
         clusters:
           - {id: ld-test, name: Local District Test, approvers: ld-test-admins}
         schools:
           - {code: "100", name: Maple Elementary, level: elementary, enrollment: 600, cluster: ld-test}
       access/schools/200/grants.yaml: null
       access/offices/ITD/grants.yaml: null
       access/offices/SPEDOPS/grants.yaml: null
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, health-office, office-manager, scheduling-administrator, counselor]
             granted: 2026-08-01
             expires: 2027-07-31
           - employee: "10000002"
             roles: [office-manager, health-office, scheduling-administrator, counselor]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB302"
    name = "quota-minimum"
    severity = Severity.warning
    summary = "At least the guide's minimum number of holders of a role at each school (or district-wide)."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        # Which roles have a minimum, and which, depends on the school's level only: work it out per level.
        minimums: dict[SchoolLevel, list[tuple[Role, int]]] = {}
        for school, record in schools_in_scope(self.context):
            if school.level not in minimums:
                minimums[school.level] = [(role, minimum) for role in repo.roles.values()
                                          if (minimum := role.quota.minimum_for(school.level))
                                          and applies_at(role, school)]
            holders = school_holders(self.context, record) if record is not None else {}
            where: tuple[str, int] | None = None  # looked up only for a finding: it reads the file's lines
            for role, minimum in minimums[school.level]:
                count = len(holders.get(role.id, {}))
                if count >= minimum:
                    continue
                if where is None:
                    where = where_line(repo, school.code, record)
                file, line = where
                yield self.finding(
                    file, line,
                    f"{role.name} at {school.name}: {count} granted, minimum {minimum} ({role.quota.text})",
                    f"request {role.name} for {minimum - count} more "
                    f"{'person' if minimum - count == 1 else 'people'} at {school.name}",
                    location=school.code, key=(school.code, role.id))
        if offices_in_scope(self.context):
            holders = office_holders(self.context)
            line = repo.locate(DISTRICT_FILE, ("offices",))
            for role in repo.roles.values():
                minimum = role.quota.minimum
                count = len(holders.get(role.id, {}))
                if not minimum or not is_office_role(role) or count >= minimum or not repo.offices:
                    continue
                yield self.finding(
                    DISTRICT_FILE, line,
                    f"{role.name} across the district's offices: {count} granted, minimum {minimum} "
                    f"({role.quota.text})",
                    f"request {role.name} for {minimum - count} more staff in the offices that do this work",
                    location=None, key=("district", role.id))


@register
class QuotaRatio(Rule):
    """No more holders than the guide's ratio allows for the school's enrollment.

    Why: several roles are recommended per number of students, e.g. Office Manager "1 per 700
    students; 2 minimum" (001). The ratio allows ceil(enrollment / n) holders, never fewer than the
    minimum: 1,500 students at 1 per 700 allow 3. Over the ratio is a warning (the guide recommends;
    the maximum, where there is one, is RB301's error). Counting is as for RB301.

    Fix: remove the role from someone, or record why the school needs more (e.g. in the grant's
    `reason:`) and ask the district to raise the severity override for this rule if it agrees.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, office-manager]
             granted: 2026-08-01
             expires: 2027-07-31
           - {employee: "10000002", roles: [office-manager], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "10000003", roles: [office-manager], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, office-manager]
             granted: 2026-08-01
             expires: 2027-07-31
           - {employee: "10000002", roles: [office-manager], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB303"
    name = "quota-ratio"
    severity = Severity.warning
    summary = "No more holders than ceil(enrollment / n) for roles given per number of students."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for school, record in schools_in_scope(self.context):
            if record is None:
                continue
            for role_id, holders in school_holders(self.context, record).items():
                role = repo.roles.get(role_id)
                if role is None:
                    continue
                allowed = role.quota.allowed_by_ratio(school.enrollment, school.level)
                maximum = role.quota.maximum
                if allowed is None or len(holders) <= allowed:
                    continue
                if maximum is not None and len(holders) > maximum and allowed >= maximum:
                    continue  # RB301 already reports every holder beyond the maximum
                yield from _excess(
                    self, role, holders, allowed, school.code,
                    f"{role.name} at {school.name}: {len(holders)} granted, the ratio allows {allowed} for "
                    f"{school.enrollment:,} students ({role.quota.text})",
                    f"remove {role.name} from {plural(len(holders) - allowed, 'holder')} at {school.name}, or "
                    "explain the need in the grant's reason")


def _qualified_approver(repo: Repository, employee: str) -> bool:
    member = repo.staff.get(employee)
    return member is not None and member.hr_status is HRStatus.processed and bool(member.git_username)


@register
class SchoolApprover(Rule):
    """Every school keeps at least one designated approver who can review in Git.

    Why: a school administrator approves every request for the school (000, "Approving Access"); here
    an approval is a pull-request review, so the approver needs a Git username in the staff directory
    and a processed HR record. The approver roles are `approver_roles` in `roles/policy.yaml`
    (default: Principal). Only the school's own grants count.

    Fix: grant an approver role to the school's administrator, and add their `git_username` to the
    staff directory.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB304"
    name = "school-approver"
    severity = Severity.error
    summary = "Every school has at least one approver (policy.approver_roles) with a Git username."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        roles = repo.policy.approver_roles
        names = " or ".join(role_name(repo, r) for r in roles)
        for school, record in schools_in_scope(self.context):
            holders = school_holders(self.context, record) if record is not None else {}
            people = {employee for r in roles for employee in holders.get(r, {})}
            if any(_qualified_approver(repo, e) for e in people):
                continue
            file, line = where_line(repo, school.code, record)
            why = (f"the {names} ({', '.join(person(repo, e) for e in sorted(people))}) has no Git username "
                   "or processed HR record" if people else f"nobody holds {names} there")
            yield self.finding(
                file, line, f"{school.name} has no approver: {why}",
                f"grant {names} to the school's administrator and set their git_username in {STAFF_FILE}",
                location=school.code, key=(school.code,))


@register
class AuditReportReader(Rule):
    """Every school keeps someone who may read its Security Audit Report.

    Why: schools "should run this report every 6 months", and only Office Manager, Principal and
    Scheduling Administrator can access it (000). A school without one of them cannot review who has
    access to its data. The roles are `audit_report_roles` in `roles/policy.yaml`.

    Fix: grant one of those roles to a member of the school's staff.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000003"
             roles: [teacher]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000002"
             roles: [office-manager]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB305"
    name = "audit-report-reader"
    severity = Severity.error
    summary = "Every school has at least one holder of a role that may read the Security Audit Report."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        roles = repo.policy.audit_report_roles
        names = ", ".join(role_name(repo, r) for r in roles)
        for school, record in schools_in_scope(self.context):
            holders = school_holders(self.context, record) if record is not None else {}
            if any(holders.get(r) for r in roles):
                continue
            file, line = where_line(repo, school.code, record)
            yield self.finding(
                file, line, f"Nobody at {school.name} may read its Security Audit Report (roles: {names})",
                f"grant one of {names} to a member of the school's staff", location=school.code,
                key=(school.code,))


@register
class AccessAdministrators(Rule):
    """The district keeps enough access administrators, each able to act.

    Why: the UK guide recommends a super user "and at least two deputies ... to cover for absence and
    access problems" (002, sections 2.3 and 3), and tells what to do when the only one is lost (10.2).
    The group is `access_administrators` in `roles/policy.yaml`; the number is
    `minimum_access_administrators` (3). Each member needs a processed HR record and a Git username,
    because they review and merge changes.

    Fix: add members to the group in `access/groups.yaml`, and give each a Git username.

    .. rule-example:: fail
       access/groups.yaml: |
         groups:
           - {id: access-administrators, name: Access administrators, members: ["90000001", "90000002"]}
           - {id: sped-operations, name: SPED Operations, members: ["90000004"]}
           - {id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}

    .. rule-example:: pass
       access/groups.yaml: |
         groups:
           - id: access-administrators
             name: Access administrators
             members: ["90000001", "90000002", "90000003"]
           - {id: sped-operations, name: SPED Operations, members: ["90000004"]}
           - {id: ld-test-admins, name: Local District Test administrators, members: ["90000005"]}
    """

    code = "RB306"
    name = "access-administrators"
    severity = Severity.error
    summary = "At least policy.minimum_access_administrators (3) access administrators, each able to act."
    sources = ("002",)
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        policy = repo.policy
        group = repo.groups.get(policy.access_administrators)
        group_ids = list(repo.groups)
        index = group_ids.index(policy.access_administrators) if group is not None else None
        line = repo.locate(GROUPS_FILE, ("groups", index) if index is not None else ("groups",))
        members = group.members if group else []
        able = [e for e in members if _qualified_approver(repo, e)]
        for employee in members:
            if employee not in able:
                member = repo.staff.get(employee)
                state = ("is not in the staff directory" if member is None else
                         f"has HR status {member.hr_status.value}" if member.hr_status is not HRStatus.processed
                         else "has no Git username")
                yield self.finding(
                    GROUPS_FILE, line, f"Access administrator {person(repo, employee)} {state}",
                    f"replace them in the group, or fix their record in {STAFF_FILE}",
                    employee=employee, key=(employee,))
        if len(able) < policy.minimum_access_administrators:
            yield self.finding(
                GROUPS_FILE, line,
                f"The access administrators group '{policy.access_administrators}' has {len(able)} member(s) "
                f"able to act; the policy asks for at least {policy.minimum_access_administrators} "
                "(one plus two deputies)",
                f"add {policy.minimum_access_administrators - len(able)} more processed staff with Git "
                f"usernames to '{policy.access_administrators}' in {GROUPS_FILE}", key=("count",))
