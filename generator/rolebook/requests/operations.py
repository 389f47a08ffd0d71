"""Build the change for each kind of request; nothing here writes a file or touches Git."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from rolebook.facts import removal_marker
from rolebook.facts.removal_marker import Holds
from rolebook.infra.yamledit import GrantsDocument, YamlEditError
from rolebook.loading import Repository
from rolebook.model.files import LocationKind, Role, StaffMember
from rolebook.paths import OFFICES_FOLDER, SCHOOLS_FOLDER, grants_file_path
from rolebook.requests import RequestError, lookup
from rolebook.requests.change import Change, Trailers, branch_name

FOLDERS = {LocationKind.school: SCHOOLS_FOLDER, LocationKind.office: OFFICES_FOLDER}

# In every removal PR's body and commit: the approval gate asks one removal approver for such a change.
REMOVAL_ONLY = ("A removal-only change: it only removes access and grants nothing, so one approval from an access "
                "administrator or a principal of an affected school is enough.")

P = ParamSpec("P")
T = TypeVar("T")


def _as_request_error(build: Callable[P, T]) -> Callable[P, T]:
    """A grants file that cannot be edited safely is a RequestError, like any other input problem."""
    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return build(*args, **kwargs)
        except YamlEditError as exc:
            raise RequestError(str(exc)) from exc
    return wrapper


def grants_path(repo: Repository, kind: LocationKind, code: str) -> tuple[Path, str]:
    record = repo.grants.get(code)
    relative = record.file if record is not None else grants_file_path(FOLDERS[kind], code)
    return repo.root / relative, relative


def document(repo: Repository, kind: LocationKind, code: str, cache: dict[str, GrantsDocument]) -> GrantsDocument:
    if code not in cache:
        path, relative = grants_path(repo, kind, code)
        cache[code] = GrantsDocument(path, relative, location=code)
    return cache[code]


def _place(repo: Repository, code: str) -> str:
    return f"{code} ({repo.location_name(code)})"


def _person(person: StaffMember) -> str:
    return f"{person.employee} ({person.display_name})"


def _role_trailer(role: Role) -> str:
    return f"{role.id} ({role.name})"


@dataclass
class RequestInput:
    employee: str
    location: str
    roles: list[str]
    expires: dt.date | None = None
    reason: str | None = None
    verification: str | None = None
    requested_by: str = "(unknown)"


def _add(repo: Repository, doc: GrantsDocument, person: StaffMember, chosen: list[Role],
         expires: dt.date | None, reason: str | None, verification: str | None, today: dt.date) -> list[str]:
    """Add roles to the person's grant here, or append a new grant. Returns the role ids added."""
    ids = [r.id for r in chosen]
    index = doc.location_grant(person.employee)
    if index is not None:
        added = doc.add_roles(index, ids)
        if added and expires is not None:
            doc.set_expires(index, expires)
        return added
    doc.append_grant(person.employee, ids, today, expires or lookup.default_expiry(repo, person, chosen, today),
                     reason, verification)
    return ids


@_as_request_error
def build_request(repo: Repository, given: RequestInput, today: dt.date) -> Change:
    person = lookup.employee(repo, given.employee)
    kind, code = lookup.location(repo, given.location)
    chosen = lookup.roles(repo, given.roles, kind)
    lookup.grantable(person)
    if given.expires is not None and given.expires < today:
        raise RequestError(f"the end date {given.expires} is in the past.")
    docs: dict[str, GrantsDocument] = {}
    doc = document(repo, kind, code, docs)
    added = _add(repo, doc, person, chosen, given.expires, given.reason, given.verification, today)
    if not added:
        names = ", ".join(r.name for r in chosen)
        raise RequestError(f"{person.display_name} already holds {names} at {repo.location_name(code)}.")
    added_roles = [r for r in chosen if r.id in added]
    names = ", ".join(r.name for r in added_roles)
    return Change(
        repo.root, [doc],
        f"Request {names} for {person.display_name} at {repo.location_name(code)}",
        "Requested with `rolebook request`." + (f"\n\nVerification: {given.verification}"
                                                if given.verification else ""),
        Trailers(given.requested_by, given.reason or "", [_person(person)],
                 [_role_trailer(r) for r in added_roles], [_place(repo, code)]),
        branch_name("request", person.employee, code, *(r.id for r in added_roles)),
    )


def removal_body(text: str, marker: str) -> str:
    """A removal's commit body: what it does, that it is removal-only, and the marker (`gh pr create --fill`
    copies the body into the PR, so the PR carries the marker too)."""
    return f"{text}\n\n{REMOVAL_ONLY}\n\n{marker}"


@_as_request_error
def build_revoke(repo: Repository, employee: str, location: str, roles: list[str] | None, reason: str | None,
                 requested_by: str, holds: Holds | None = None) -> Change:
    """Remove roles (None: all) of one person at one location; refused when an open removal PR holds them there."""
    person = lookup.employee(repo, employee)
    kind, code = lookup.location(repo, location)
    holder = (holds or Holds()).pr_at(person.employee, code)
    if holder is not None:
        raise RequestError(f"{person.display_name}'s access at {repo.location_name(code)} is already being removed "
                           f"in open pull request #{holder}: review that one instead of opening another.")
    chosen = lookup.roles(repo, roles) if roles is not None else None
    record = repo.grants.get(code)
    held = [g for g in record.model.grants if g.employee == person.employee] if record else []
    if not held:
        raise RequestError(f"{person.display_name} has no grant in {record.file if record else 'the grants file'}"
                           f" of {repo.location_name(code)}" + _elsewhere(repo, person.employee, code))
    docs: dict[str, GrantsDocument] = {}
    doc = document(repo, kind, code, docs)
    removed = doc.remove_roles(person.employee, [r.id for r in chosen] if chosen is not None else None)
    if not removed:
        names = ", ".join(r.name for r in chosen or [])
        raise RequestError(f"{person.display_name} does not hold {names} by a grant at {repo.location_name(code)}.")
    removed_names = [repo.roles[r].name if r in repo.roles else r for r in removed]
    return Change(
        repo.root, [doc],
        f"Revoke {', '.join(removed_names)} from {person.display_name} at {repo.location_name(code)}",
        removal_body("Revoked with `rolebook revoke`.", removal_marker.write("revoke", {person.employee: [code]})),
        Trailers(requested_by, reason or "", [_person(person)],
                 [f"{r} ({n})" for r, n in zip(removed, removed_names, strict=True)], [_place(repo, code)]),
        branch_name("revoke", person.employee, code, *(removed if chosen is not None else ["all"])),
    )


def _elsewhere(repo: Repository, employee: str, code: str) -> str:
    others = sorted({r.code for r, _, g in repo.iter_grants() if g.employee == employee and r.code != code})
    return f" (they have grants at: {', '.join(others)})." if others else "."


@_as_request_error
def build_transfer(repo: Repository, employee: str, source: str, target: str, roles: list[str] | None,
                   reason: str | None, requested_by: str, today: dt.date) -> Change:
    person = lookup.employee(repo, employee)
    old_kind, old_code = lookup.location(repo, source)
    new_kind, new_code = lookup.location(repo, target)
    if old_code == new_code:
        raise RequestError("--from and --to are the same location.")
    lookup.grantable(person)
    record = repo.grants.get(old_code)
    held = [g for g in record.model.grants if g.employee == person.employee] if record else []
    if not held:
        raise RequestError(f"{person.display_name} has no grant at {repo.location_name(old_code)}"
                           + _elsewhere(repo, person.employee, old_code))
    held_roles = list(dict.fromkeys(r for g in held for r in g.roles))
    moving = lookup.roles(repo, roles, new_kind) if roles else [lookup.role(repo, r, new_kind) for r in held_roles]
    missing = [r.name for r in moving if r.id not in held_roles]
    if missing:
        raise RequestError(f"{person.display_name} does not hold {', '.join(missing)} at "
                           f"{repo.location_name(old_code)}: use `rolebook request` for new roles.")
    docs: dict[str, GrantsDocument] = {}
    old_doc = document(repo, old_kind, old_code, docs)
    removed = old_doc.remove_roles(person.employee, None if not roles else [r.id for r in moving])
    new_doc = document(repo, new_kind, new_code, docs)
    _add(repo, new_doc, person, moving, None, reason or f"Transfer from {repo.location_name(old_code)}", None, today)
    old_name, new_name = repo.location_name(old_code), repo.location_name(new_code)
    return Change(
        repo.root, [old_doc, new_doc],
        f"Transfer {person.display_name} from {old_name} to {new_name}",
        f"Removes {', '.join(removed)} at {old_name} and requests {', '.join(r.id for r in moving)} at {new_name}.\n"
        "Both schools' approvers sign.",
        Trailers(requested_by, reason or "", [_person(person)], [_role_trailer(r) for r in moving],
                 [_place(repo, old_code), _place(repo, new_code)]),
        branch_name("transfer", person.employee, old_code, new_code),
    )


@dataclass
class Offboard:
    change: Change | None  # None: nothing left to remove
    left: dict[str, dict[str, int]] = field(default_factory=dict)  # employee -> {location: open PR holding it}


@_as_request_error
def build_offboard(repo: Repository, separated: Iterable[str], source_name: str, requested_by: str,
                   today: dt.date, holds: Holds | None = None) -> Offboard:
    """Every grant of the separated staff, except where an open removal PR already removes it."""
    wanted = set(separated)
    held = holds or Holds()
    result = Offboard(None)
    docs: dict[str, GrantsDocument] = {}
    employees: list[str] = []
    locations: list[str] = []
    lines: list[str] = []
    removes: dict[str, list[str]] = {}
    for code, record in sorted(repo.grants.items()):
        people = sorted({g.employee for g in record.model.grants if g.employee in wanted})
        for employee in list(people):
            holder = held.pr_at(employee, code)
            if holder is not None:
                result.left.setdefault(employee, {})[code] = holder
                people.remove(employee)
        if not people:
            continue
        doc = document(repo, record.kind, code, docs)
        for employee in people:
            removes.setdefault(employee, []).append(code)
            removed = doc.remove_roles(employee, None)
            member = repo.staff.get(employee)
            who = _person(member) if member else employee
            lines.append(f"- {who}: {', '.join(removed)} at {repo.location_name(code)}")
            if who not in employees:
                employees.append(who)
        locations.append(_place(repo, code))
    if not docs:
        return result
    left = [f"- {e}: left to #{n} at {code}" for e, where in sorted(result.left.items())
            for code, n in sorted(where.items())]
    text = f"Every grant of staff that {source_name} marks as separated, in one change.\n\n" + "\n".join(lines)
    if left:
        text += "\n\nAlready in an open removal pull request, left to it:\n" + "\n".join(left)
    result.change = Change(
        repo.root, list(docs.values()),
        "Remove access: separated staff",
        removal_body(text, removal_marker.write("offboard", removes)),
        Trailers(requested_by, f"Separated in HR ({source_name})", employees, [], locations),
        branch_name("offboard", today.isoformat()),
    )
    return result
