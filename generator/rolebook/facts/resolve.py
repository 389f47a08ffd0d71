"""Effective access: which person holds which role where, and how it reaches them.

A grant in a school's file gives access at that school ("direct"). A grant in an office's file gives
access at that office, or, for district and trust staff, at every school of a cluster ("via cluster X")
or at every school ("all schools"), as a trust MIS associates staff with schools, clusters or all
institutions. A school reached through a cluster is only removed by removing the cluster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from rolebook.loading import GrantsRecord, Repository
from rolebook.model.files import AllSchoolsScope, ClusterScope, Grant


# schools has 270,000 of these. Treat them as read-only all the same.
@dataclass(slots=True)
class Access:
    """One role one person can use at one location, with the grant it comes from."""

    employee: str
    location: str
    role: str
    via: str  # "direct", "cluster", "all-schools"
    cluster: str | None
    source: GrantsRecord
    index: int

    @property
    def grant(self) -> Grant:
        return self.source.model.grants[self.index]

    @property
    def how(self) -> str:
        if self.via == "cluster":
            return f"via cluster {self.cluster}"
        if self.via == "all-schools":
            return "all schools"
        return "direct"


def locations_of(repo: Repository, record: GrantsRecord, grant: Grant) -> list[tuple[str, str, str | None]]:
    """(location code, via, cluster) for every location one grant reaches."""
    scope = grant.scope
    if repo.loaded_locations is not None and not isinstance(scope, str):  # pull-request mode, partial load
        from rolebook.loading.fast.partial import partial_reach
        if isinstance(scope, ClusterScope):
            return [(code, "cluster", scope.cluster) for code in partial_reach(repo, scope.cluster)]
        return [(code, "all-schools", None) for code in partial_reach(repo, None)]
    if isinstance(scope, ClusterScope):
        return [(s.code, "cluster", scope.cluster) for s in repo.schools.values() if s.cluster == scope.cluster]
    if isinstance(scope, AllSchoolsScope):
        return [(code, "all-schools", None) for code in repo.schools]
    return [(record.code, "direct", None)]


def effective_access(repo: Repository, records: Iterable[GrantsRecord] | None = None, *,
                     employees: Collection[str] | None = None) -> list[Access]:
    """Every role every person can use at every location; only `employees`' when given, in the same order."""
    found: list[Access] = []
    append = found.append
    # Where a cluster or all-schools scope reaches depends on the scope alone: work it out once per scope.
    reach: dict[tuple[str, ...], list[tuple[str, str, str | None]]] = {}
    for record in records if records is not None else repo.grants.values():
        code = record.code
        for index, grant in enumerate(record.model.grants):
            employee, scope = grant.employee, grant.scope
            if employees is not None and employee not in employees:
                continue
            if scope == "location":  # nearly every grant: its own file's location
                for role in grant.roles:
                    append(Access(employee, code, role, "direct", None, record, index))
                continue
            key = ("cluster", scope.cluster) if isinstance(scope, ClusterScope) else ("all-schools",)
            if key not in reach:
                reach[key] = locations_of(repo, record, grant)
            for location, via, cluster in reach[key]:
                for role in grant.roles:
                    append(Access(employee, location, role, via, cluster, record, index))
    return found


def by_location(accesses: Iterable[Access]) -> dict[str, list[Access]]:
    grouped: dict[str, list[Access]] = defaultdict(list)
    for access in accesses:
        grouped[access.location].append(access)
    return grouped


def by_employee(accesses: Iterable[Access]) -> dict[str, list[Access]]:
    grouped: dict[str, list[Access]] = defaultdict(list)
    for access in accesses:
        grouped[access.employee].append(access)
    return grouped
