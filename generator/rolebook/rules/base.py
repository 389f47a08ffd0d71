"""The rule base class, the registry and the context every rule reads."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterable, Iterator
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

    @cached_property
    def accesses_by_location(self) -> dict[str, list[Access]]:
        return by_location(self.accesses)

    def records(self) -> Iterable[GrantsRecord]:
        """The grants files in scope."""
        if self.scope is None:
            return self.repo.grants.values()
        return [r for code, r in self.repo.grants.items() if code in self.scope]

    def grants(self) -> Iterator[tuple[GrantsRecord, int, Grant]]:
        for record in self.records():
            for index, grant in enumerate(record.model.grants):
                yield record, index, grant

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
