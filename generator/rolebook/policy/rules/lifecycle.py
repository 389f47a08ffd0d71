"""Lifecycle and scope: expiry, grant length, clusters, separation of duties, mass removals (RB4xx)."""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from operator import attrgetter

from rolebook.facts.resolve import Access
from rolebook.loading import GrantsRecord
from rolebook.model.files import ClusterScope, Grant, LocationKind
from rolebook.model.findings import Finding, Severity
from rolebook.paths import POLICY_FILE
from rolebook.policy.rules.base import Context, Need, Rule, register
from rolebook.policy.rules.common import is_live, person, place, role_name


def wide_grants(context: Context) -> list[tuple[GrantsRecord, int, Grant]]:
    """The grants in scope with a cluster or all-schools scope, in file order: a few among many."""
    return [row for row in context.wide_rows if context.in_scope(row[0].code)]


@register
class ExpiredGrant(Rule):
    """An expired grant is Inactive and should be removed.

    Why: on the Security Audit Report an account "with a past expiration date" is Inactive, yet the
    "user could gain access to your school data if the account is reactivated ... It is recommended to
    remove the user role assigned to your school" (000).

    Fix: remove the grant, or, if the person still needs it, renew it through a new request.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2025-08-01
             expires: 2026-07-31

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB401"
    name = "expired-grant"
    severity = Severity.warning
    summary = "Expired grants are Inactive: remove them."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo, today = self.context.repo, self.context.today
        for record, index, grant in self.context.rows_expiring(lambda expires: expires < today):
            if grant.expires is not None and grant.expires < today:
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)}'s grant of {', '.join(role_name(repo, r) for r in grant.roles)} "
                    f"at {place(repo, record.code)} expired on {grant.expires.isoformat()} (Inactive)",
                    "remove the grant; if the person still needs it, request it again", "expires")


@register
class ExpiringSoon(Rule):
    """A grant expires soon.

    Why: a grant past its expiry becomes Inactive (000). A notice `expiry_notice_days` (30) ahead
    gives the school time to renew what is still needed and let the rest lapse.

    Fix: nothing, if the access should end; otherwise request a renewal before the date.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2026-12-01

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB402"
    name = "expiring-soon"
    severity = Severity.notice
    summary = "Notice for grants that expire within policy.expiry_notice_days (30)."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        repo, today = self.context.repo, self.context.today
        days = repo.policy.expiry_notice_days
        last = today + dt.timedelta(days=days)  # expiring after this is not soon
        for record, index, grant in self.context.rows_expiring(lambda expires: today <= expires <= last):
            expires = grant.expires
            if expires is None or not is_live(grant, today):
                continue
            left = (expires - today).days
            if left <= days:
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)}'s grant at {place(repo, record.code)} expires on "
                    f"{expires.isoformat()}, in {left} day(s)",
                    "renew it with a new request if it is still needed; otherwise let it lapse and remove it",
                    "expires")


@register
class GrantTooLong(Rule):
    """No grant lasts longer than its security level allows, and every grant has an end.

    Why: access is reviewed "every 6 months" (000) and removed when no longer needed (002, section 7);
    a grant without an end is never looked at again. `max_grant_days` in `roles/policy.yaml` sets the
    longest grant per security level (defaults: low 730 days, moderate and high 400 days, a school
    year with a margin). The highest level among the grant's roles decides.

    Fix: set `expires:` within the limit; renew with a new request when the time comes.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2028-07-31

    .. rule-example:: fail no expiry
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01

    .. rule-example:: pass
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB403"
    name = "grant-too-long"
    severity = Severity.error
    summary = "Every grant expires, within policy.max_grant_days for its highest security level."
    sources = ("000", "002")

    def check(self) -> Iterable[Finding]:
        limits = self.context.repo.policy.max_grant_days
        # A grant no longer than every level's limit passes whatever its roles: skip it without looking.
        shortest = min(limits.values(), default=None)
        short_enough = dt.timedelta(days=shortest) if shortest is not None else None
        expiries = self.context.expiries_by_record
        for record in self.context.records():
            ends = expiries[record.code]
            if short_enough is not None and None not in ends and max(
                    map(operator.sub, ends, map(attrgetter("granted"), record.model.grants)),
                    default=short_enough) <= short_enough:
                continue  # the file's longest grant, worked out in C, is short enough for every level
            for index, grant in enumerate(record.model.grants):
                expires = grant.expires
                if expires is not None and short_enough is not None and expires - grant.granted <= short_enough:
                    continue
                yield from self._too_long(record, index, grant)

    def _too_long(self, record: GrantsRecord, index: int, grant: Grant) -> Iterable[Finding]:
        repo = self.context.repo
        limits = repo.policy.max_grant_days
        roles = [repo.roles[r] for r in grant.roles if r in repo.roles]
        if not roles:
            return
        level = max((r.security_level for r in roles), key=lambda lvl: lvl.rank)
        limit = limits.get(level)
        who = f"{person(repo, grant.employee)}'s grant at {place(repo, record.code)}"
        if grant.expires is None:
            yield self.at_grant(
                record, index, f"{who} has no expiry date ({level.value} security level)",
                f"set expires: within {limit} days of granted" if limit else "set expires:", "granted")
            return
        length = (grant.expires - grant.granted).days
        if limit is not None and length > limit:
            yield self.at_grant(
                record, index,
                f"{who} lasts {length} days; {level.value}-security grants last at most {limit} days",
                f"set expires: on or before {_add(grant, limit)}",
                "expires")


def _add(grant: Grant, days: int) -> str:
    return (grant.granted + dt.timedelta(days=days)).isoformat()


@register
class ClusterExclusion(Rule):
    """A school reached through a cluster cannot be left out on its own.

    Why: "you cannot remove a school from the list of associated schools if they have been added from
    a cluster. You must remove the cluster" (003). A cluster grant with `exclude:` would say one thing
    and do another.

    Fix: remove the cluster scope and grant the schools one by one (a grant per school, or a grant in
    each school's file).

    .. rule-example:: fail
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000005"
             roles: [district-administrator]
             scope: {cluster: ld-test, exclude: ["200"]}
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000005"
             roles: [district-administrator]
             scope: {cluster: ld-test}
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB404"
    name = "cluster-exclusion"
    severity = Severity.error
    summary = "A cluster scope cannot exclude schools: remove the cluster and grant schools one by one."
    sources = ("003",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant in wide_grants(self.context):
            if isinstance(grant.scope, ClusterScope) and grant.scope.exclude:
                left_out = ", ".join(place(repo, code) for code in grant.scope.exclude)
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)}'s grant reaches cluster {grant.scope.cluster} but tries to "
                    f"leave out {left_out}; a school reached through a cluster cannot be excluded on its own",
                    "remove the cluster scope and grant the schools that are needed one by one",
                    "scope", "exclude")


@register
class UnknownCluster(Rule):
    """A cluster scope names a cluster of the district.

    Why: staff can be associated with "a particular cluster" of schools (003). A cluster that does not
    exist reaches no school, so the grant does nothing that the request said.

    Fix: use a cluster id from `access/district.yaml`.

    .. rule-example:: fail
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000005"
             roles: [district-administrator]
             scope: {cluster: ld-nowhere}
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       access/offices/ITD/grants.yaml: |
         location: ITD
         grants:
           - employee: "90000005"
             roles: [district-administrator]
             scope: {cluster: ld-test}
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB405"
    name = "unknown-cluster"
    severity = Severity.error
    summary = "A cluster scope names a cluster defined in the district file."
    sources = ("003",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant in wide_grants(self.context):
            if isinstance(grant.scope, ClusterScope) and grant.scope.cluster not in repo.clusters:
                yield self.at_grant(
                    record, index, f"Unknown cluster '{grant.scope.cluster}' in {person(repo, grant.employee)}'s "
                    f"grant at {place(repo, record.code)}",
                    f"use one of: {', '.join(repo.clusters) or '(no clusters defined)'}", "scope", "cluster")


@register
class WideScopeOutsideOffice(Rule):
    """Cluster and all-schools scopes appear only in offices' grants files.

    Why: a trust or district associates its own staff with a cluster or with all institutions (003);
    a school's file speaks only for that school, and its approver cannot approve access elsewhere.

    Fix: move the grant to the grants file of the office the person works in, or use `scope: location`.

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             scope: {all_schools: true}
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

    code = "RB406"
    name = "wide-scope-outside-office"
    severity = Severity.error
    summary = "Cluster and all-schools scopes only in offices' grants files."
    sources = ("003",)

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant in wide_grants(self.context):
            if record.kind is LocationKind.school and grant.scope_kind != "location":
                yield self.at_grant(
                    record, index,
                    f"{person(repo, grant.employee)}'s grant in {place(repo, record.code)}'s file has a "
                    f"{grant.scope_kind} scope; a school's file grants access at that school only",
                    "move the grant to the office the person works in, or remove the scope", "scope")


@register
class ForbiddenCombination(Rule):
    """Nobody holds a forbidden combination of roles (separation of duties).

    Why: roles can be combined (002, "A user can be given multiple roles"), but a district may decide
    that some pairs give one person too much, e.g. entering grades and approving grade changes.
    `forbidden_combinations` in `roles/policy.yaml` lists them; it is empty by default. Roles are
    counted across everything the person can reach, anywhere in the district. Example::

        forbidden_combinations:
          - roles: [hr-credentialing, school-full-read]
            reason: HR staff do not read student records beyond what credentialing needs.

    Fix: remove one of the roles from the person, or ask the district to change the policy.

    .. rule-example:: fail
       roles/policy.yaml: |
         forbidden_combinations:
           - roles: [principal, scheduling-administrator]
             reason: The principal approves schedule changes that others make.
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal, scheduling-administrator]
             granted: 2026-08-01
             expires: 2027-07-31

    .. rule-example:: pass
       roles/policy.yaml: |
         forbidden_combinations:
           - roles: [principal, scheduling-administrator]
             reason: The principal approves schedule changes that others make.
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - employee: "10000001"
             roles: [principal]
             granted: 2026-08-01
             expires: 2027-07-31
           - employee: "10000002"
             roles: [scheduling-administrator]
             granted: 2026-08-01
             expires: 2027-07-31
    """

    code = "RB407"
    name = "forbidden-combination"
    severity = Severity.error
    summary = "Nobody holds a combination listed in policy.forbidden_combinations (separation of duties)."
    sources = ("002",)
    needs = frozenset({Need.CHANGED_LOCATIONS, Need.PEOPLE_EVERYWHERE})

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        combinations = repo.policy.forbidden_combinations
        if not combinations:
            return
        held: dict[str, dict[str, Access]] = defaultdict(dict)
        for access in self.context.accesses:
            held[access.employee].setdefault(access.role, access)
        for employee, roles in held.items():
            if self.context.scope is not None and not any(
                    self.context.in_scope(a.source.code) for a in roles.values()):
                continue
            for combination in combinations:
                if not set(combination.roles) <= roles.keys():
                    continue
                last = roles[combination.roles[-1]]
                names = " and ".join(role_name(repo, r) for r in combination.roles)
                yield self.finding(
                    last.source.file, last.source.line_of(last.index, "roles"),
                    f"{person(repo, employee)} holds {names}, a combination the policy forbids: {combination.reason}",
                    f"remove one of these roles from the person (see forbidden_combinations in {POLICY_FILE})",
                    location=last.source.code, employee=employee, key=(employee, *sorted(combination.roles)))


def _grant_key(grant: Grant) -> tuple[str, ...]:
    return (grant.employee, grant.scope_kind, *sorted(grant.roles))


@register
class RemovalDelta(Rule):
    """A change that removes many of a file's grants says so explicitly.

    Why: removing access is an administrator's duty (000), but a change that removes most of a school's
    grants at once is more often a mistake (a bad export, a wrong file) than a decision. Like
    peribolos's maximum removal delta, such a change must carry an acknowledgement: an
    `acknowledge_removals:` text in the grants file, new in this change. Only in pull-request mode
    (`rolebook validate --base REF`). A change that removes one grant is never a mass removal.
    The share is `max_removal_share` in `roles/policy.yaml` (0.5).

    Fix: if the removals are intended, add `acknowledge_removals: <why>` to the grants file;
    otherwise restore the grants that were removed by mistake.

    .. rule-example:: fail
       base:
         access/schools/100/grants.yaml: |
           location: "100"
           grants:
             - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
             - employee: "10000002"
               roles: [office-manager, health-office]
               granted: 2026-08-01
               expires: 2027-07-31
             - {employee: "10000003", roles: [teacher], granted: 2026-08-01, expires: 2027-07-31}
       access/schools/100/grants.yaml: |
         location: "100"
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass
       base:
         access/schools/100/grants.yaml: |
           location: "100"
           grants:
             - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
             - employee: "10000002"
               roles: [office-manager, health-office]
               granted: 2026-08-01
               expires: 2027-07-31
             - {employee: "10000003", roles: [teacher], granted: 2026-08-01, expires: 2027-07-31}
       access/schools/100/grants.yaml: |
         location: "100"
         acknowledge_removals: Two staff left at the end of the year (HR ticket 4711).
         grants:
           - {employee: "10000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
    """

    code = "RB408"
    name = "removal-delta"
    severity = Severity.error
    summary = "A change removing more than policy.max_removal_share of a file's grants acknowledges it."
    sources = ("000",)

    def check(self) -> Iterable[Finding]:
        base, repo = self.context.base, self.context.repo
        if base is None:
            return
        share_allowed = repo.policy.max_removal_share
        for code, before in base.grants.items():
            if not self.context.in_scope(code) or not before.model.grants:
                continue
            after = repo.grants.get(code)
            remaining = Counter(_grant_key(g) for g in after.model.grants) if after else Counter()
            removed = sum((Counter(_grant_key(g) for g in before.model.grants) - remaining).values())
            total = len(before.model.grants)
            if removed < 2 or removed / total <= share_allowed:
                continue
            acknowledged = after is not None and bool(after.model.acknowledge_removals) and (
                after.model.acknowledge_removals != before.model.acknowledge_removals)
            if acknowledged:
                continue
            file = after.file if after else before.file
            line = after.source.locate(("acknowledge_removals",))[0] if after else 1
            yield self.finding(
                file, line,
                f"This change removes {removed} of {total} grants ({removed / total:.0%}) at "
                f"{place(repo, code)}, more than the policy's {share_allowed:.0%}, without an acknowledgement",
                "if this is intended, add `acknowledge_removals: <why>` (new in this change) to the grants "
                "file; otherwise restore the grants removed by mistake",
                location=code, key=(code,))
