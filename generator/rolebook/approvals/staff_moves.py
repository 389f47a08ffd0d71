"""Movers: a new position or staff type in the staff directory is also the business of where they hold access.

The district's instructions ask administrators to remove or change access when staff "change job
assignments at the same school". A role's eligibility is read from `position` and `staff_type`, so a
change to either, for someone who holds grants at a location, needs that location's approvers as well as
the access administrators who sign for the staff directory (`rolebook.hr.movers` makes such pull
requests). Where they hold grants is read from where the pull request started and from its head: a
mover's pull request may take some of them away.
"""

from __future__ import annotations

from dataclasses import dataclass

from rolebook.loading import Repository

MOVING_FIELDS = ("position", "staff_type")


@dataclass(frozen=True, slots=True)
class Move:
    employee: str
    said: str  # "Carl Chen's position in the staff directory: Teacher -> Assistant Principal"
    locations: tuple[str, ...]  # the grants files that hold grants of theirs


def _held_at(repos: tuple[Repository, ...], employee: str) -> tuple[str, ...]:
    found: list[str] = []
    for repo in repos:
        for code, record in repo.grants.items():
            if code not in found and any(grant.employee == employee for grant in record.model.grants):
                found.append(code)
    return tuple(sorted(found))


def moves(start: Repository, head: Repository) -> list[Move]:
    """Everyone whose position or staff type changes between the two revisions and who holds grants."""
    found: list[Move] = []
    for employee, old in start.staff.items():
        new = head.staff.get(employee)
        if new is None:
            continue
        changed = [(name, getattr(old, name), getattr(new, name)) for name in MOVING_FIELDS
                   if getattr(old, name) != getattr(new, name)]
        if not changed:
            continue
        locations = _held_at((start, head), employee)
        if not locations:
            continue
        said = "; ".join(f"{name.replace('_', ' ')} {_text(before)} -> {_text(after)}"
                         for name, before, after in changed)
        found.append(Move(employee, f"{new.display_name}'s entry in the staff directory: {said}", locations))
    return found


def _text(value: object) -> str:
    return str(getattr(value, "value", value))
