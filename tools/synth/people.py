"""People: everyone in the HR export, with unique employee numbers, names and (for some) Git usernames,
and the roster slots (position, roles to try) they are hired into."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from tools.synth.names import FIRST_NAMES, LAST_NAMES, ascii_slug

EMAIL_DOMAIN = "rusd.example"  # a reserved name: the synthetic district's mail reaches nobody


@dataclass
class Person:
    """One row of the HR export; contractors name their sponsor and the end of their contract."""

    employee: str
    first: str
    last: str
    staff_type: str
    position: str
    locations: list[str]
    hr_status: str = "processed"
    git: str | None = None
    email: str | None = None  # work e-mail, as the single sign-on knows it
    contractor: bool = False
    sponsor: str | None = None
    contract_end: dt.date | None = None


@dataclass
class Slot:
    """A position on a roster: who to hire and which roles to try to grant them."""

    position: str
    staff_type: str
    roles: tuple[str, ...]
    git: float = 0.0  # chance of a Git username (1.0: always, for approvers)
    count: int = 1
    scope: tuple[str, str] | None = None
    group: str | None = None  # reviewer group to join
    reason: str | None = None
    contractor: bool = False


class People:
    """Hires people: unique employee numbers, realistic names, Git usernames for some.

    `generic` is the policy's test for a shared-account name: nobody is named, or logs in, like one.
    """

    def __init__(self, rng: random.Random, unique_names: bool, generic: Callable[[str], bool]) -> None:
        self.rng = rng
        self.generic = generic
        self.unique_names = unique_names
        self.numbers: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.usernames: set[str] = set()
        self.emails: set[str] = set()
        self.all: list[Person] = []

    def _number(self) -> str:
        while True:
            number = f"{self.rng.randrange(10**8):08d}"
            if number not in self.numbers and not number.startswith("000"):
                self.numbers.add(number)
                return number

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if any(self.generic(t) for t in (first, last, f"{first} {last}")):
                continue
            if (first, last) not in self.names or not self.unique_names:
                break
        self.names.add((first, last))
        return first, last

    def username(self, first: str, last: str) -> str:
        """A unique Git username in one of the styles people pick: jsmith, john-smith, johns-rusd."""
        f, last_slug = ascii_slug(first), ascii_slug(last)
        style = self.rng.random()
        if style < 0.45:
            base = f"{f[0]}{last_slug}"
        elif style < 0.8:
            base = f"{f}-{last_slug}"
        else:
            base = f"{f}{last_slug[0]}-rusd"
        base = base[:36].strip("-")
        if self.generic(base):
            base = f"rusd-{base}"[:36].strip("-")
        name, n = base, 1
        while name in self.usernames or self.generic(name):
            n += 1
            name = f"{base}{n}"
        self.usernames.add(name)
        return name

    def email(self, first: str, last: str) -> str:
        """A unique work e-mail, first.last@ the district's domain; no draw from the seeded generator, so
        adding e-mails changed nothing else of the district."""
        base = f"{ascii_slug(first) or 'staff'}.{ascii_slug(last) or 'member'}"
        name, n = base, 1
        while name in self.emails:
            n += 1
            name = f"{base}{n}"
        self.emails.add(name)
        return f"{name}@{EMAIL_DOMAIN}"

    def hire(self, position: str, staff_type: str, locations: list[str], git: float = 0.0,
             hr_status: str = "processed") -> Person:
        first, last = self._name()
        person = Person(self._number(), first, last, staff_type, position, list(locations), hr_status)
        person.email = self.email(first, last)
        if git >= 1.0 or (git > 0 and self.rng.random() < git):
            person.git = self.username(first, last)
        self.all.append(person)
        return person
