"""Responsible use: holders of the roles the policy names have accepted its current version (RB802, RB803).

`responsible_use` in roles/policy.yaml names the policy's version and, with `required_from`, the lowest
security level whose roles need an acceptance. The request records one in the grant (`accepted_use`:
version, day, who, via which issue). A grant is judged by two rules, so that turning the requirement on
never makes the main branch fail at once:

- RB802, an error, in pull-request mode only: the change gives someone a role that needs an acceptance
  (a new grant, or a role added to a grant) and the grant records none of the current version by them.
  The request is where the acceptance is given; the pull request is stopped until it is.
- RB803, a warning: any other grant of such a role without an acceptance of the current version: grants
  made before the requirement, or accepting a version the district has since replaced. They are settled
  when the person next requests access or at the access review, and are not blocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rolebook.loading import GrantsRecord, Repository
from rolebook.model.files import ClusterScope, Grant
from rolebook.model.findings import Finding, Severity
from rolebook.policy.rules.base import Rule, register
from rolebook.policy.rules.common import is_live, person, place, role_name


def _scope(grant: Grant) -> str:
    return f"cluster:{grant.scope.cluster}" if isinstance(grant.scope, ClusterScope) else grant.scope_kind


def roles_needing_acceptance(repo: Repository, grant: Grant) -> list[str]:
    """The grant's roles at or above `required_from` (none when the policy requires nothing)."""
    policy = repo.policy.responsible_use
    if policy.required_from is None or policy.version is None:
        return []
    lowest = policy.required_from.rank
    return [role_id for role_id in grant.roles
            if (role := repo.roles.get(role_id)) is not None and role.security_level.rank >= lowest]


def acceptance_problem(repo: Repository, grant: Grant) -> str | None:
    """What is wrong with the grant's recorded acceptance, in words; None when it is the current one."""
    accepted, version = grant.accepted_use, repo.policy.responsible_use.version
    if accepted is None:
        return "records no acceptance of the responsible-use policy"
    if accepted.by != grant.employee:
        return f"records an acceptance by {accepted.by}, not by the holder"
    if accepted.version != version:
        return f"records an acceptance of version {accepted.version}, not the current {version}"
    return None


def roles_new_in_change(base: Repository, record: GrantsRecord, grant: Grant, roles: list[str]) -> list[str]:
    """Of `roles`, those the person did not hold through the same grant (location and scope) on the base."""
    before = base.grants.get(record.code)
    held: set[str] = set()
    for old in before.model.grants if before is not None else ():
        if old.employee == grant.employee and _scope(old) == _scope(grant):
            held.update(old.roles)
    return [role for role in roles if role not in held]


class _AcceptanceRule(Rule):
    sources = ("002",)

    def problems(self) -> Iterator[tuple[GrantsRecord, int, Grant, list[str], list[str], str]]:
        """(record, index, grant, roles needing it, roles new in the change, problem) for each grant lacking it."""
        context = self.context
        repo = context.repo
        required = repo.policy.responsible_use
        if required.required_from is None or required.version is None:
            return  # nothing is required: no grant to look at
        for record, index, grant in context.grants():
            if not is_live(grant, context.today):
                continue
            roles = roles_needing_acceptance(repo, grant)
            if not roles:
                continue
            problem = acceptance_problem(repo, grant)
            if problem is None:
                continue
            new = roles_new_in_change(context.base, record, grant, roles) if context.base is not None else []
            yield record, index, grant, roles, new, problem

    def at(self, record: GrantsRecord, index: int, grant: Grant, message: str, hint: str) -> Finding:
        path = ("accepted_use",) if grant.accepted_use is not None else ()
        return self.at_grant(record, index, message, hint, *path, key=(record.code, grant.employee, _scope(grant)))

    def hint(self, repo: Repository, record: GrantsRecord, grant: Grant) -> str:
        version = repo.policy.responsible_use.version
        url = repo.policy.responsible_use.url
        read = f" (the policy: {url})" if url else ""
        return (f"the holder accepts version {version}{read}: tick the responsible-use box on the access-request "
                f"form, or `rolebook request --employee {grant.employee} --school {record.code} --role ROLE "
                f"--accepts-responsible-use`; or add to the grant `accepted_use: {{version: \"{version}\", "
                f"accepted_on: YYYY-MM-DD, by: \"{grant.employee}\", via: \"#ISSUE\"}}`")


@register
class ResponsibleUseMissing(_AcceptanceRule):
    """A change gives a role that needs the responsible-use policy accepted, and the grant records no acceptance.

    Why: staff "must not share their login details" and use access only for their work (002); a
    district that asks holders of its most sensitive roles to accept a responsible-use policy needs
    to know they did, version by version. `responsible_use.required_from` in roles/policy.yaml names
    the lowest security level that needs it. This rule judges only what a pull request adds (a new
    grant, or a role added to one); grants from before are RB803's, a warning.

    Fix: the holder accepts the current version when the access is requested: the access-request
    form's responsible-use tick, or `rolebook request ... --accepts-responsible-use`, which write
    `accepted_use` (version, day, who, via which issue) into the grant.

    .. rule-example:: fail

        base:
          roles/policy.yaml: |
            responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: high}
        roles/policy.yaml: |
          responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: high}
        access/schools/200/grants.yaml: |
          location: "200"
          grants:
            - {employee: "20000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
            - {employee: "20000002", roles: [counselor, counselor-plus], granted: 2026-08-01, expires: 2027-07-31}

    .. rule-example:: pass

        base:
          roles/policy.yaml: |
            responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: high}
        roles/policy.yaml: |
          responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: high}
        access/schools/200/grants.yaml: |
          location: "200"
          grants:
            - {employee: "20000001", roles: [principal], granted: 2026-08-01, expires: 2027-07-31}
            - employee: "20000002"
              roles: [counselor, counselor-plus]
              granted: 2026-08-01
              expires: 2027-07-31
              accepted_use: {version: "2026-08", accepted_on: 2026-11-20, by: "20000002", via: "#42"}
    """

    code = "RB802"
    name = "responsible-use-missing"
    severity = Severity.error
    summary = "A pull request gives a role needing the responsible-use policy without the holder's acceptance."

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant, _roles, new, problem in self.problems():
            if not new:
                continue
            roles = ", ".join(role_name(repo, role) for role in new)
            yield self.at(record, index, grant,
                          f"{person(repo, grant.employee)} is given {roles} at {place(repo, record.code)}, which "
                          f"needs the responsible-use policy accepted, but the grant {problem}",
                          self.hint(repo, record, grant))


@register
class ResponsibleUseNotRecorded(_AcceptanceRule):
    """A grant of a role that needs the responsible-use policy accepted has no acceptance of its current version.

    Why: as for RB802; these are the grants the change did not make: grants from before the
    requirement was turned on, and acceptances of a version the district has since replaced. A
    warning, not an error, so that turning the requirement on, or publishing a new version, does
    not stop every pull request: each is settled at the person's next request or access review.

    Fix: the holder accepts the current version (the hint says how); the request records it in the
    grant as `accepted_use`.

    .. rule-example:: fail

        roles/policy.yaml: |
          responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: high}

    .. rule-example:: pass

        roles/policy.yaml: |
          responsible_use: {version: "2026-08", url: "https://example.org/rup", required_from: moderate}
        access/schools/100/grants.yaml: |
          location: "100"
          grants:
            - employee: "10000001"
              roles: [principal]
              granted: 2026-08-01
              expires: 2027-07-31
              accepted_use: {version: "2026-08", accepted_on: 2026-08-01, by: "10000001", via: "#7"}
            - employee: "10000002"
              roles: [office-manager, health-office]
              granted: 2026-08-01
              expires: 2027-07-31
              accepted_use: {version: "2026-08", accepted_on: 2026-08-01, by: "10000002", via: "#8"}
            - employee: "10000003"
              roles: [teacher]
              granted: 2026-08-01
              expires: 2026-10-31
        access/schools/200/grants.yaml: |
          location: "200"
          grants: []
        access/offices/SPEDOPS/grants.yaml: |
          location: SPEDOPS
          grants: []
        access/offices/ITD/grants.yaml: |
          location: ITD
          grants: []
    """

    code = "RB803"
    name = "responsible-use-not-recorded"
    severity = Severity.warning
    summary = "A grant of a role needing the responsible-use policy has no acceptance of its current version."

    def check(self) -> Iterable[Finding]:
        repo = self.context.repo
        for record, index, grant, roles, new, problem in self.problems():
            if new:
                continue  # RB802's: the change gives the role
            names = ", ".join(role_name(repo, role) for role in roles)
            yield self.at(record, index, grant,
                          f"{person(repo, grant.employee)} holds {names} at {place(repo, record.code)}, which needs "
                          f"the responsible-use policy accepted, but the grant {problem}",
                          self.hint(repo, record, grant))
