"""The rule base class, the registry and the context every rule reads."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Collection, Container, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import chain, compress, count
from operator import attrgetter
from typing import ClassVar

from rolebook.facts.resolve import Access, by_location, effective_access
from rolebook.loading import GrantsRecord, Repository
from rolebook.model.files import Grant
from rolebook.model.findings import Finding, Severity

REGISTRY: dict[str, type[Rule]] = {}


class Need(StrEnum):
    """The data a rule's findings depend on, declared on the rule (`Rule.needs`).

    Pull-request mode reads what the selected rules declare, and nothing decides it by rule code:
    `rolebook.policy.pull_request` loads the changed locations, then adds, or falls back to a full
    load, for what a rule needs beyond them.
    """

    # The changed locations' grants files, everything district-wide, and the records of the people
    # those files name: a finding at a location depends on nothing else (the default).
    CHANGED_LOCATIONS = "changed-locations"
    # Only the district-wide files (roles/, the district, groups, the staff directory): a change to
    # locations' files alone cannot change these findings.
    DIRECTORY = "directory"
    # Every grants file naming the people the change involves (a person's roles across the district).
    PEOPLE_EVERYWHERE = "people-everywhere"
    # Every location's grants file, whatever the change touches.
    EVERY_LOCATION = "every-location"
    # .github/CODEOWNERS (read by the loader, `Repository.codeowners`) and each location's approvers, where
    # the file is expected (a .github folder). A school's line follows the approvers holding access there:
    # pull-request mode checks the changed schools' lines on its partial load when the file is the same on
    # both sides and no grant reaching beyond its own school changes; otherwise the full load.
    CODEOWNERS = "codeowners"
    # The access-review files of the locations read.
    REVIEW_RECORDS = "review-records"
    # The last-login records (access/logins.csv) of the accesses read.
    LOGIN_RECORDS = "login-records"


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
    _staff_columns: dict[str, list[object]] = field(default_factory=dict, repr=False)

    @cached_property
    def accesses(self) -> list[Access]:
        return effective_access(self.repo)

    def accesses_of(self, employees: Collection[str]) -> list[Access]:
        """The effective access of these people only, in the order of `accesses`: resolving everyone's
        access costs more than a rule that needs only a few people should pay."""
        if "accesses" in self.__dict__:  # already resolved (cached_property keeps it there): filter it
            return [a for a in self.accesses if a.employee in employees]
        wanted = set(employees)
        by_record = self.employees_by_record
        # Only the files naming one of them can give them access; the others are skipped whole.
        records = [record for code, record in self.repo.grants.items() if not wanted.isdisjoint(by_record[code])]
        return effective_access(self.repo, records, employees=wanted)

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
    def employees_by_record(self) -> dict[str, list[str]]:
        """location code -> the employee of each grant in its file, in file order (every loaded file).

        Most rules ask about a few people: with this they skip a whole file by one set operation
        (`isdisjoint`, `issuperset`) that runs in C, instead of looking at its grants one by one.
        """
        employee_of = attrgetter("employee")
        return {code: list(map(employee_of, record.model.grants)) for code, record in self.repo.grants.items()}

    @cached_property
    def employees(self) -> set[str]:
        """Everyone holding a grant in scope."""
        by_record = self.employees_by_record
        return set().union(*(by_record[record.code] for record in self.records()))

    def rows_of(self, employees: Iterable[str]) -> list[tuple[GrantsRecord, int, Grant]]:
        """The grants in scope of these people, in file order (as `grants()` would meet them)."""
        wanted = set(employees)
        if not wanted:
            return []
        by_record = self.employees_by_record
        rows: list[tuple[GrantsRecord, int, Grant]] = []
        for record in self.records():
            employees = by_record[record.code]
            if wanted.isdisjoint(employees):
                continue
            grants = record.model.grants
            # `compress` picks the indexes of their grants in C; only those become rows.
            rows += [(record, index, grants[index]) for index in compress(count(), map(wanted.__contains__, employees))]
        return rows

    @cached_property
    def role_lists_by_record(self) -> dict[str, list[list[str]]]:
        """location code -> the role list of each grant in its file (in scope), in file order."""
        roles_of = attrgetter("roles")
        return {record.code: list(map(roles_of, record.model.grants)) for record in self.records()}

    @cached_property
    def roles_by_record(self) -> dict[str, set[str]]:
        """location code -> every role id its grants file (in scope) names: skip a file holding none of some."""
        return {code: set(chain.from_iterable(role_lists)) for code, role_lists in self.role_lists_by_record.items()}

    @cached_property
    def wide_rows(self) -> list[tuple[GrantsRecord, int, Grant]]:
        """(record, index, grant) for every grant with a cluster or all-schools scope, in every loaded
        file, in file order: a few among many, which several rules look at."""
        return [(record, index, grant) for record in self.repo.grants.values()
                for index, grant in enumerate(record.model.grants) if grant.scope != "location"]

    @cached_property
    def expiries_by_record(self) -> dict[str, list[dt.date | None]]:
        """location code -> the expiry date of each grant in its file (in scope; None: none), in file order."""
        expires_of = attrgetter("expires")
        return {record.code: list(map(expires_of, record.model.grants)) for record in self.records()}

    def rows_expiring(self, when: Callable[[dt.date], bool]) -> list[tuple[GrantsRecord, int, Grant]]:
        """The grants in scope with an expiry date for which `when(date)` is true, in file order.

        Grants share few expiry dates (most end with the school year): each distinct date is judged once,
        and a file holding none of the dates chosen is skipped by one `isdisjoint`.
        """
        by_record = self.expiries_by_record
        dates = set().union(*(by_record[record.code] for record in self.records()))
        chosen = {date for date in dates if date is not None and when(date)}
        if not chosen:
            return []
        return [(record, index, record.model.grants[index]) for record in self.records()
                if not chosen.isdisjoint(by_record[record.code])
                for index, expires in enumerate(by_record[record.code]) if expires in chosen]

    def staff_with(self, field_name: str, values: Container[object]) -> list[str]:
        """The employees whose staff record has `field_name` among `values`, in directory order.

        The directory has one record per employee (75,000 in a large district): `map` and `compress`
        read the one field of each in C, where a Python loop over the records would cost more than
        the rule that asks; the field's values are kept for the next rule asking about it.
        """
        staff = self.repo.staff
        column = self._staff_columns.get(field_name)
        if column is None:
            column = self._staff_columns[field_name] = list(map(attrgetter(field_name), staff.values()))
        return list(compress(staff.keys(), map(values.__contains__, column)))

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
    # The data its findings depend on (see `Need`); pull-request mode reads what the selected rules need.
    needs: ClassVar[frozenset[Need]] = frozenset({Need.CHANGED_LOCATIONS})

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
