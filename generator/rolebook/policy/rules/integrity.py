"""Integrity: the data says each thing once, and every reference resolves (RB5xx)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import get_close_matches
from itertools import chain

from rolebook.facts.resolve import Access
from rolebook.loading import GrantsRecord
from rolebook.model.files import HRStatus
from rolebook.model.findings import Finding, Severity
from rolebook.paths import DISTRICT_FILE, GROUPS_FILE, POLICY_FILE
from rolebook.policy.rules.base import REGISTRY, Context, Need, Rule, register
from rolebook.policy.rules.common import person, place, role_name


@register
class DuplicateGrant(Rule):
    """One grant per person and scope in a grants file.

    Why: the Security Audit Report lists each person once per location with their roles (000). Two
    grants for the same person in one file split their roles, dates and reasons, and removing one
    leaves the other in place.

    Fix: merge the two grants into one (list all roles in one `roles:`), keeping the right dates.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "10000001", roles: [office-manager], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, office-manager]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB501"
    name = "duplicate-grant"
    severity = Severity.error
    summary = "A person has at most one grant per scope in a grants file."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        by_record = self.context.employees_by_record
        for record in self.context.records():
            employees = by_record[record.code]
            if len(set(employees)) == len(employees):
                continue  # nobody has two grants here
            first: dict[tuple[str, str], int] = {}
            for index, grant in enumerate(record.model.grants):
                scope = grant.scope if isinstance(grant.scope, str) else grant.scope.model_dump_json()
                seen = first.setdefault((grant.employee, scope), index)
                if seen != index:
                    yield self.at_grant(
                        record, index,
                        f"{person(repo, grant.employee)} has a second grant in {place(repo, record.code)}'s file "
                        f"(the first is at line {record.line_of(seen)})",
                        "merge the two grants into one, listing all roles under one roles:", "employee",
                        key=(record.code, grant.employee, str(index - seen)))


@register
class RoleListedTwice(Rule):
    """A role appears once in a grant.

    Why: a role named twice is a typing slip that hides what the request meant, and it makes the
    numbers of holders (001) harder to read.

    Fix: delete the repeated role.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal, principal], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB502"
    name = "role-listed-twice"
    severity = Severity.error
    summary = "A role is listed at most once in a grant."
    sources = ("001",)

    def check(self) -> Iterable[Finding]:
        by_record = self.context.role_lists_by_record
        for record in self.context.records():
            role_lists = by_record[record.code]
            # A role listed twice makes a grant's list longer than its set: compare a whole file at once, in C.
            if sum(map(len, role_lists)) == sum(map(len, map(set, role_lists))):
                continue
            yield from self._listed_twice(record)

    def _listed_twice(self, record: GrantsRecord) -> Iterable[Finding]:
        repo = self.context.repo
        for index, grant in enumerate(record.model.grants):
            if len(set(grant.roles)) == len(grant.roles):
                continue
            for role, count in Counter(grant.roles).items():
                if count > 1:
                    position = len(grant.roles) - 1 - grant.roles[::-1].index(role)
                    yield self.at_grant(
                        record, index,
                        f"{role_name(repo, role)} is listed {count} times in {person(repo, grant.employee)}'s grant",
                        "delete the repeated role", "roles", position, key=(record.code, grant.employee, role))


def _may_overlap(context: Context) -> set[str]:
    """People with two grants that can reach the same location: both in one file, or one of them wide.

    Two grants in different files with `scope: location` reach different locations; nobody else can get a
    role at one location twice.
    """
    by_record = context.employees_by_record  # every loaded file, as effective access reads them all
    twice_in_a_file: set[str] = set()
    for employees in by_record.values():
        if len(set(employees)) < len(employees):
            twice_in_a_file.update(e for e, count in Counter(employees).items() if count > 1)
    wide = {grant.employee for _, _, grant in context.wide_rows}
    # How many grants each of those few people has: `filter` picks them out of every file in C.
    grant_counts = Counter(filter(wide.__contains__, chain.from_iterable(by_record.values())))
    return twice_in_a_file | {e for e in wide if grant_counts[e] > 1}


@register
class SameRoleTwice(Rule):
    """A person gets a role at a location through one grant only.

    Why: when the same role reaches the same person at the same school through two grants (say, a
    direct grant and a cluster grant), removing one leaves the access in place; removal of access is
    never automatic (000), so it must be certain. A school reached through a cluster is only removed by
    removing the cluster (003).

    Fix: remove the redundant grant of the role (usually the direct one, if the cluster grant stays).

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "90000005", roles: [district-administrator], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB503"
    name = "same-role-twice"
    severity = Severity.warning
    summary = "The same role for the same person at the same location comes from one grant only."
    sources = ("000", "003")

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        grouped: dict[tuple[str, str, str], dict[tuple[str, int], Access]] = defaultdict(dict)
        candidates = _may_overlap(self.context)
        for access in self.context.accesses_of(candidates):
            grouped[(access.employee, access.location, access.role)].setdefault(
                (access.source.code, access.index), access)
        for (employee, location, role), sources in grouped.items():
            if len(sources) < 2:
                continue
            accesses = list(sources.values())
            if not any(self.context.in_scope(a.source.code) or self.context.in_scope(location) for a in accesses):
                continue
            later = accesses[-1]
            others = "; ".join(f"{a.how} from {a.source.file}" for a in accesses[:-1])
            yield self.finding(
                later.source.file, later.source.line_of(later.index, "roles"),
                f"{person(repo, employee)} gets {role_name(repo, role)} at {place(repo, location)} twice: "
                f"{later.how} here, and {others}",
                "keep one grant of the role; removing only one of them would leave the access in place",
                location=location, employee=employee, key=(employee, location, role))


@register
class UnknownGroup(Rule):
    """Every reviewer group that roles, clusters, offices and the policy name exists.

    Why: approvals come from designated people (000: the school administrator; SPED roles also need
    SPED Operations, 001). A reference to a group that does not exist means nobody can give that
    approval, and the request is stuck or, worse, unchecked.

    Fix: define the group in `access/groups.yaml`, or correct the id.

    .. rule-example:: fail
       access/district.yaml: |
         organisation: {name: Test Unified, types: [school-district]}
         clusters:
           - {id: ld-test, name: Local District Test, approvers: ld-missing-admins}
         schools:
           - {code: "100", name: Maple Elementary, level: elementary, enrollment: 600, cluster: ld-test}
           - {code: "200", name: Oak High School, level: high, enrollment: 1500, cluster: ld-test}
         offices:
           - {code: SPEDOPS, name: SPED Operations, approvers: sped-operations}
           - {code: ITD, name: Information Technology Division, approvers: access-administrators}

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB504"
    name = "unknown-group"
    severity = Severity.error
    summary = "Every reviewer group named by roles (extra_approval), clusters, offices and policy exists."
    sources = ("000", "001")
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        known = repo.groups
        hint = f"define it in {GROUPS_FILE}, or use one of: {', '.join(known) or '(no groups yet)'}"
        for role in repo.roles.values():
            for position, group in enumerate(role.extra_approval):
                if group not in known:
                    source = repo.role_sources[role.id]
                    yield self.finding(
                        source.display, source.locate(("extra_approval", position))[0],
                        f"{role.name} needs approval from group '{group}', which does not exist", hint,
                        key=(role.id, group))
        if repo.district is not None:
            named: list[tuple[str, int, str, str | None]] = [
                *(("clusters", i, c.name, c.approvers) for i, c in enumerate(repo.district.clusters)),
                *(("offices", i, o.name, o.approvers) for i, o in enumerate(repo.district.offices)),
            ]
            for kind, index, name, approvers in named:
                if approvers and approvers not in known:
                    yield self.finding(
                        DISTRICT_FILE, repo.locate(DISTRICT_FILE, (kind, index, "approvers")),
                        f"{name} is approved by group '{approvers}', which does not exist", hint,
                        key=(kind, approvers))
        if repo.policy.access_administrators not in known:
            yield self.finding(
                POLICY_FILE, repo.locate(POLICY_FILE, ("access_administrators",)),
                f"The access administrators group '{repo.policy.access_administrators}' does not exist", hint,
                key=("policy", repo.policy.access_administrators))


@register
class UnknownGroupMember(Rule):
    """Every member of a reviewer group is current staff.

    Why: approvers must be people the district knows and employs (000, 002). A member missing from
    the staff directory, or separated, could still be asked to approve, or approve.

    Fix: remove the member from the group in `access/groups.yaml`, or correct the employee number.

    .. rule-example:: fail
       access/groups.yaml: |
         groups:
           - id: access-administrators
             name: Access administrators
             members: ["90000001", "90000002", "90000003"]
           - {id: sped-operations, name: SPED Operations, members: ["90000004", "90009999"]}
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

    code = "RB505"
    name = "group-member-not-staff"
    severity = Severity.error
    summary = "Every member of a reviewer group is in the staff directory and has not left."
    sources = ("000", "002")
    local = False
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for index, group in enumerate(repo.groups.values()):
            for position, employee in enumerate(group.members):
                member = repo.staff.get(employee)
                if member is not None and member.hr_status is not HRStatus.separated:
                    continue
                state = "is not in the staff directory" if member is None else "has left (separated)"
                yield self.finding(
                    GROUPS_FILE, repo.locate(GROUPS_FILE, ("groups", index, "members", position)),
                    f"Member {person(repo, employee)} of {group.name} {state}",
                    "remove them from the group, or correct the employee number",
                    employee=employee, key=(group.id, employee))


@register
class NonCombinableRole(Rule):
    """A role marked `combinable: false` is held alone at a location.

    Why: a user can usually be given several roles (002), but some roles are meant to be a person's
    only role where they hold it. A role's `combinable: false` says so.

    Fix: remove the other roles at that location, or the non-combinable one.

    .. rule-example:: fail
       roles/school-limited-read.yaml: |
         id: school-limited-read
         name: School Limited Read
         category: all-schools
         description: Read access to limited student information.
         security_level: low
         modules: [All]
         user_types: [School staff]
         quota: {text: As needed}
         request_via: one-access
         combinable: false
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
           - employee: "10000003"
             roles: [teacher, school-limited-read]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       roles/school-limited-read.yaml: |
         id: school-limited-read
         name: School Limited Read
         category: all-schools
         description: Read access to limited student information.
         security_level: low
         modules: [All]
         user_types: [School staff]
         quota: {text: As needed}
         request_via: one-access
         combinable: false
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
           - {employee: "10000003", roles: [school-limited-read], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB506"
    name = "non-combinable-role"
    severity = Severity.error
    summary = "A role marked combinable: false is a person's only role at a location."
    sources = ("002",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        if all(role.combinable for role in repo.roles.values()):
            return
        grouped: dict[tuple[str, str], dict[str, Access]] = defaultdict(dict)
        for access in self.context.accesses:
            grouped[(access.employee, access.location)].setdefault(access.role, access)
        for (employee, location), roles in grouped.items():
            if len(roles) < 2:
                continue
            if not any(self.context.in_scope(a.source.code) or self.context.in_scope(location)
                       for a in roles.values()):
                continue
            for role_id, access in roles.items():
                role = repo.roles.get(role_id)
                if role is None or role.combinable:
                    continue
                others = ", ".join(role_name(repo, r) for r in roles if r != role_id)
                yield self.finding(
                    access.source.file, access.source.line_of(access.index, "roles"),
                    f"{role.name} cannot be combined with other roles, but {person(repo, employee)} also holds "
                    f"{others} at {place(repo, location)}",
                    f"remove {role.name}, or remove the other roles at this location",
                    location=location, employee=employee, key=(employee, location, role_id))


@register
class UnknownRuleCode(Rule):
    """Every rule code under `rules:` in `roles/policy.yaml` is a rule's.

    Why: `rules:` is where the district changes a rule's severity or turns it off, in one place. A
    code no rule has (a slip such as `RB7O4`, or a rule renumbered since) changes nothing, while the
    file says the district decided otherwise: the setting looks in force and is not.

    Fix: correct the code to one of those `rolebook rules` lists, or delete the entry.

    .. rule-example:: fail
       roles/policy.yaml: |
         approver_roles: [principal]
         rules:
           RB999: {severity: "off"}

    .. rule-example:: pass
       roles/policy.yaml: |
         approver_roles: [principal]
         rules:
           RB402: {severity: "off"}
    """

    code = "RB507"
    name = "unknown-rule-code"
    severity = Severity.error
    summary = "Every code under rules: in roles/policy.yaml names a rule that exists."
    sources = ("000",)
    needs = frozenset({Need.DIRECTORY})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        unknown = [code for code in repo.policy.rules if code not in REGISTRY]
        if not unknown:
            return
        known = sorted(REGISTRY)
        for code in unknown:
            close = get_close_matches(code.upper(), known, n=1, cutoff=0.6)
            guess = f"did you mean {close[0]}? " if close else ""
            yield self.finding(
                POLICY_FILE, repo.locate(POLICY_FILE, ("rules", code)),
                f"rules: names {code}, which is not a rule's code, so its setting does nothing",
                f"{guess}use one of the codes `rolebook rules` lists ({', '.join(known)}), or delete the entry",
                key=(code,))
