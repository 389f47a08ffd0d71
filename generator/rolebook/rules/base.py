"""The rule base class, the registry and the context every rule reads."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from rolebook.findings import Finding, Severity
from rolebook.loading import GrantsRecord, Repository
from rolebook.models import Grant
from rolebook.resolve import Access, by_location, effective_access

REGISTRY: dict[str, type[Rule]] = {}


@dataclass
class Context:
    """What a rule may look at. Rules only read; they never change the repository."""

    repo: Repository
    today: dt.date
    # In pull-request mode, the locations the change can affect; None means check everything.
    scope: set[str] | None = None
    # The base revision's repository, for rules that compare (removal delta). None outside PR mode.
    base: Repository | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @cached_property
    def accesses(self) -> list[Access]:
        return effective_access(self.repo)

    def accesses_of(self, employees: Collection[str]) -> list[Access]:
        """The effective access of these people only, in the order of `accesses`: resolving everyone's
        access costs more than a rule that needs only a few people should pay."""
        if "accesses" in self.__dict__:  # already resolved (cached_property keeps it there): filter it
            return [a for a in self.accesses if a.employee in employees]
        return effective_access(self.repo, employees=employees)

    @cached_property
    def accesses_by_location(self) -> dict[str, list[Access]]:
        return by_location(self.accesses)

    # ------------------------------------------------------------------ shared indexes
    # Built once, on first use, and shared by every rule: at 1,000 schools a pass over all grants is a
    # noticeable cost, so rules look up the few grants that can matter instead of each walking them all.

    @cached_property
    def grant_rows(self) -> list[tuple[GrantsRecord, int, Grant]]:
        """(record, index, grant) for every grant in scope, in file order."""
        return [(record, index, grant) for record in self.records()
                for index, grant in enumerate(record.model.grants)]

    @cached_property
    def employees(self) -> set[str]:
        """Everyone holding a grant in scope."""
        return {grant.employee for _, _, grant in self.grant_rows}

    def rows_of(self, employees: Iterable[str]) -> list[tuple[GrantsRecord, int, Grant]]:
        """The grants in scope of these people, in file order (as `grants()` would meet them)."""
        wanted = set(employees)
        return [row for row in self.grant_rows if row[2].employee in wanted] if wanted else []

    @cached_property
    def roles_by_record(self) -> dict[str, set[str]]:
        """location code -> every role id its grants file (in scope) names: skip a file holding none of some."""
        return {record.code: {role for grant in record.model.grants for role in grant.roles}
                for record in self.records()}

    def records(self) -> Iterable[GrantsRecord]:
        """The grants files in scope."""
        if self.scope is None:
            return self.repo.grants.values()
        return [r for code, r in self.repo.grants.items() if code in self.scope]

    def grants(self) -> Iterator[tuple[GrantsRecord, int, Grant]]:
        return iter(self.grant_rows)

    def in_scope(self, location: str) -> bool:
        return self.scope is None or location in self.scope


class Rule:
    """Subclass, set the class attributes, write `check`, and decorate with @register."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Which policy documents the rule comes from, e.g. ("000", "002").
    sources: ClassVar[tuple[str, ...]] = ()
    # False for rules that look at the whole district (a change anywhere can break them).
    local: ClassVar[bool] = True

    def __init__(self, context: Context, severity: Severity | None = None):
        self.context = context
        self.effective_severity = severity or self.severity

    def check(self) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -------------------------------------------------------------- helpers for subclasses
    def finding(self, file: str, line: int, message: str, hint: str = "", *, location: str | None = None,
                employee: str | None = None, key: tuple[str, ...] = ()) -> Finding:
        return Finding(self.code, self.effective_severity, file, line, message, hint,
                       location=location, employee=employee, key=key)

    def at_grant(self, record: GrantsRecord, index: int, message: str, hint: str = "",
                 *path: str | int, key: tuple[str, ...] = ()) -> Finding:
        grant = record.model.grants[index]
        return self.finding(record.file, record.line_of(index, *path), message, hint,
                            location=record.code, employee=grant.employee,
                            key=key or (record.code, grant.employee))

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


def register(rule: type[Rule]) -> type[Rule]:
    if rule.code in REGISTRY and REGISTRY[rule.code] is not rule:
        raise ValueError(f"rule code {rule.code} is used twice")
    REGISTRY[rule.code] = rule
    return rule
