"""The grants being planned, and the one gate every grant passes: `Book.add` refuses what the policy refuses.

A grant is only added when the role may be held at that place, by that person (staff type, position,
HR status, location), beside the roles they already hold (combinable, no forbidden combination) and
within the place's quota. So the plan can try freely and stay clean.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tools.synth.catalog import Catalog
from tools.synth.people import Person
from tools.synth.places import Location
from tools.synth.presets import EXPIRES, GRANTED_FROM, GRANTED_TO

Scope = tuple[str, str]  # ("cluster", id) or ("all", ""); None for the location itself


@dataclass
class Entry:
    """One person's entry in one grants file: one or more roles, one scope, one pair of dates."""

    person: Person
    roles: list[str]
    scope: Scope | None
    granted: dt.date
    expires: dt.date
    reason: str | None = None


class Book:
    """All grants, with the counts the quotas need."""

    def __init__(self, catalog: Catalog, rng: random.Random, total_enrollment: int) -> None:
        self.catalog = catalog
        self.rng = rng
        self.total_enrollment = total_enrollment
        self.held: dict[str, set[str]] = {}  # employee -> roles held anywhere
        self.entries: dict[str, dict[str, Entry]] = {}  # location code -> employee -> entry
        self.count: dict[tuple[str, str], int] = {}  # (school, role) -> holders
        self.district: dict[str, int] = {}  # office role -> holders district-wide

    def bounds(self, role_id: str, loc: Location) -> tuple[int, int | None]:
        """Fewest and most holders of the role at loc (office roles count district-wide)."""
        if role_id not in self.catalog.usable:
            return 0, 0
        if loc.kind == "school":
            return self.catalog.minimum(role_id, loc.level), self.catalog.cap(role_id, loc.enrollment, loc.level)
        return self.catalog.minimum(role_id, None), self.catalog.cap(role_id, self.total_enrollment, None)

    def applies(self, role_id: str, loc: Location) -> bool:
        if role_id not in self.catalog.usable:
            return False
        if loc.kind == "school":
            return loc.level is not None and self.catalog.at_school(role_id, loc.level)
        return self.catalog.at_office(role_id)

    def holders(self, role_id: str, loc: Location) -> int:
        if loc.kind == "school":
            return self.count.get((loc.code, role_id), 0)
        return self.district.get(role_id, 0)

    def add(self, person: Person, loc: Location, role_id: str, scope: Scope | None = None,
            reason: str | None = None) -> bool:
        """Grant the role if the policy allows it; False (and nothing changed) if not."""
        if not self.applies(role_id, loc):
            return False
        role = self.catalog.roles[role_id]
        staff_types = role.eligibility.staff_types
        if staff_types and person.staff_type not in staff_types:
            return False
        positions = self.catalog.positions[role_id]
        if positions and person.position.lower() not in positions:
            return False
        if loc.code not in person.locations or person.hr_status != "processed":
            return False
        file_entries = self.entries.setdefault(loc.code, {})
        entry = file_entries.get(person.employee)
        if entry is not None:
            if role_id in entry.roles or entry.scope != scope:
                return False
            if not role.combinable or any(not self.catalog.roles[r].combinable for r in entry.roles):
                return False
        _, cap = self.bounds(role_id, loc)
        if cap is not None and self.holders(role_id, loc) >= cap:
            return False
        held = self.held.setdefault(person.employee, set())
        if any(role_id in combo and combo - {role_id} <= held for combo in self.catalog.forbidden):
            return False
        if entry is None:
            granted = GRANTED_FROM + dt.timedelta(days=self.rng.randint(0, (GRANTED_TO - GRANTED_FROM).days))
            expires = EXPIRES[0] if self.rng.random() < 0.75 else EXPIRES[1]
            entry = Entry(person, [], scope, granted, expires, reason)
            file_entries[person.employee] = entry
        entry.roles.append(role_id)
        held.add(role_id)
        if loc.kind == "school":
            self.count[(loc.code, role_id)] = self.count.get((loc.code, role_id), 0) + 1
        else:
            self.district[role_id] = self.district.get(role_id, 0) + 1
        return True
