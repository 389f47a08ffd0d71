"""Check a request's inputs against the repository before any file is touched."""

from __future__ import annotations

import datetime as dt
import difflib

from rolebook.facts.catalog import find_role
from rolebook.loading import Repository
from rolebook.model.files import HRStatus, LocationKind, Role, StaffMember
from rolebook.requests import RequestError


def _suggest(text: str, choices: list[str]) -> str:
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(choice.lower(), choice)
    close = difflib.get_close_matches(text.lower(), list(by_key), n=3, cutoff=0.6)
    return f" Did you mean: {', '.join(by_key[c] for c in close)}?" if close else ""


def employee(repo: Repository, number: str) -> StaffMember:
    number = number.strip()
    if not (number.isdigit() and len(number) == 8):
        raise RequestError(f"'{number}' is not an employee number: it has 8 digits, e.g. 01234567 "
                           "(keep any leading zeros).")
    person = repo.staff.get(number)
    if person is None:
        raise RequestError(f"employee {number} is not in access/staff.yaml (the HR directory)."
                           + _suggest(number, list(repo.staff)))
    return person


def location(repo: Repository, code: str) -> tuple[LocationKind, str]:
    code = code.strip()
    if code in repo.schools:
        return LocationKind.school, code
    if code in repo.offices:
        return LocationKind.office, code
    by_name = {school.name.lower(): school.code for school in repo.schools.values()}
    by_name.update({office.name.lower(): office.code for office in repo.offices.values()})
    if code.lower() in by_name:
        return location(repo, by_name[code.lower()])
    choices = [*repo.schools, *repo.offices, *(p.name for p in repo.schools.values())]
    raise RequestError(f"no school or office with code '{code}' in access/district.yaml." + _suggest(code, choices))


def role(repo: Repository, text: str, kind: LocationKind | None = None) -> Role:
    found = find_role(repo, text)
    if found is None:
        choices = [*(r.name for r in repo.roles.values()), *repo.roles]
        raise RequestError(f"no role '{text}' (give its id or its name, e.g. 'Health Office')."
                           + _suggest(text, choices) + " See `rolebook roles` for the list.")
    if kind is not None and kind not in found.applies_to.locations:
        where = " or ".join(k.value for k in found.applies_to.locations)
        raise RequestError(f"{found.name} is granted at a {where}, not at a {kind.value}.")
    return found


def roles(repo: Repository, texts: list[str], kind: LocationKind | None = None) -> list[Role]:
    found: list[Role] = []
    for text in texts:
        for part in (p.strip() for p in text.split(",")):
            if part and (item := role(repo, part, kind)) not in found:
                found.append(item)
    if not found:
        raise RequestError("give at least one role with --role.")
    return found


def grantable(person: StaffMember) -> None:
    if person.hr_status is HRStatus.separated:
        raise RequestError(f"employee {person.employee} is separated in HR: access cannot be granted.")


def default_expiry(repo: Repository, person: StaffMember, chosen: list[Role], today: dt.date) -> dt.date:
    """The policy's longest grant for the most sensitive role, never past a contractor's contract."""
    days = min(repo.policy.max_grant_days.get(r.security_level, 365) for r in chosen)
    candidates = [today + dt.timedelta(days=days)]
    if person.contract_end is not None:
        candidates.append(person.contract_end)
    return min(candidates)


def parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise RequestError(f"{what} '{text}' is not a date: write it as YYYY-MM-DD.") from exc
