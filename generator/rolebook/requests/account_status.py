"""Lock, suspend and reinstate: a grant's account status, changed as a reviewed commit like any request.

The UK guide's section 6 gives the three words their meaning, and Rolebook keeps it:
- **locked**: the account is kept but cannot be used for now (the guide's LRS locks an account after
  repeated failed sign-ins); a temporary stop, ended by reinstating it;
- **suspended**: the person is to be denied access, "for any reason", until someone decides otherwise;
- **reinstate**: "change the status to active to reinstate the account".

Locking and suspending only narrow access, so their commit carries the removal marker (nobody is in
two open removal PRs) and the removal-only sentence: one removal approver is enough. Reinstating widens
access again and is a normal change: the location's approvers sign, as for a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from ruamel.yaml.comments import CommentedMap

from rolebook.facts import removal_marker
from rolebook.facts.removal_marker import Holds
from rolebook.infra.yamledit import GrantsDocument, YamlEditError
from rolebook.loading import GrantsRecord, Repository
from rolebook.model.files import GrantStatus, StaffMember
from rolebook.requests import RequestError, lookup
from rolebook.requests.change import Change, Trailers, branch_name
from rolebook.requests.operations import removal_body

# The key a new `status:` goes after, in the order the file format lists a grant's keys.
_STATUS_AFTER = ("expires", "granted", "scope", "roles", "employee")


class Action(StrEnum):
    lock = "lock"
    suspend = "suspend"
    reinstate = "reinstate"


# Which statuses each action changes, to what, and the words for it.
_FROM: dict[Action, tuple[GrantStatus, ...]] = {
    Action.lock: (GrantStatus.active,),
    Action.suspend: (GrantStatus.active, GrantStatus.locked),
    Action.reinstate: (GrantStatus.locked, GrantStatus.suspended),
}
_TO = {Action.lock: GrantStatus.locked, Action.suspend: GrantStatus.suspended, Action.reinstate: GrantStatus.active}
_VERB = {Action.lock: "Lock", Action.suspend: "Suspend", Action.reinstate: "Reinstate"}
MEANING = {
    Action.lock: "Locked: the account is kept but cannot be used until it is reinstated (the UK guide, section "
                 "6.1: an account locked after a password problem is reset by setting it active again).",
    Action.suspend: "Suspended: the person is denied access until the grant is reinstated (the UK guide, section "
                    "6.1: 'if a user (for any reason) is to be denied access ... change a user account status to "
                    "suspended').",
    Action.reinstate: "Reinstated: the status is active again (the UK guide, section 6.1). This gives access back, "
                      "so the location's approvers sign, as for a request.",
}


@dataclass(frozen=True)
class StatusEdit:
    """One grant whose status the change sets."""

    file: str
    line: int
    roles: tuple[str, ...]
    before: GrantStatus
    after: GrantStatus

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "roles": list(self.roles), "from": self.before.value,
                "to": self.after.value}


@dataclass
class StatusChange:
    """The prepared change, and what it did where (for --format json and the PR body)."""

    change: Change
    action: Action
    employee: str
    locations: list[str]
    edits: list[StatusEdit]
    left: dict[str, int] = field(default_factory=dict)  # location -> the open removal PR left to it

    @property
    def removal_only(self) -> bool:
        return self.action is not Action.reinstate


def set_status(doc: GrantsDocument, index: int, status: GrantStatus) -> None:
    """Write `status:` on one grant, in place if it is there, else after the last of the keys before it."""
    grant = doc.grants[index]
    if not isinstance(grant, CommentedMap):
        raise YamlEditError(f"{doc.relative}: grant {index + 1} is not a mapping")
    if "status" in grant:
        grant["status"] = status.value
        return
    keys = list(grant.keys())
    after = next((key for key in _STATUS_AFTER if key in keys), None)
    grant.insert(keys.index(after) + 1 if after else len(keys), "status", status.value)


def _records_of(repo: Repository, person: StaffMember, location: str | None) -> list[GrantsRecord]:
    if location is not None:
        _, code = lookup.location(repo, location)
        record = repo.grants.get(code)
        if record is None or not any(g.employee == person.employee for g in record.model.grants):
            others = sorted({r.code for r, _, g in repo.iter_grants() if g.employee == person.employee})
            where = f" (they have grants at: {', '.join(others)})" if others else ""
            file = record.file if record else f"the grants file of {code}"
            raise RequestError(f"{file}: {person.display_name} ({person.employee}) has no grant at "
                               f"{repo.location_name(code)}{where}.")
        return [record]
    records = sorted({r.code: r for r, _, g in repo.iter_grants() if g.employee == person.employee}.values(),
                     key=lambda r: r.file)
    if not records:
        raise RequestError(f"{person.display_name} ({person.employee}) holds no grant anywhere: nothing to "
                           "change.")
    return records


def build_status_change(repo: Repository, action: Action, employee: str, location: str | None,
                        reason: str | None, requested_by: str, today: dt.date,
                        holds: Holds | None = None) -> StatusChange:
    """Set the status of EMPLOYEE's grants at one location (or everywhere: `location` None)."""
    try:
        return _build(repo, action, employee, location, reason, requested_by, today, holds or Holds())
    except YamlEditError as exc:
        raise RequestError(str(exc)) from exc


def _build(repo: Repository, action: Action, employee: str, location: str | None, reason: str | None,
           requested_by: str, today: dt.date, holds: Holds) -> StatusChange:
    person = lookup.employee(repo, employee)
    if action is Action.reinstate:
        lookup.grantable(person)
    docs: list[GrantsDocument] = []
    edits: list[StatusEdit] = []
    locations: list[str] = []
    unchanged: list[str] = []
    left: dict[str, int] = {}
    for record in _records_of(repo, person, location):
        holder = holds.pr_at(person.employee, record.code)
        if holder is not None:
            if location is not None:
                raise RequestError(f"{person.display_name}'s access at {repo.location_name(record.code)} is "
                                   f"already being removed in open pull request #{holder}: review that one "
                                   "instead of opening another.")
            left[record.code] = holder
            continue
        doc = GrantsDocument(repo.root / record.file, record.file, location=record.code)
        for index, grant in enumerate(record.model.grants):
            if grant.employee != person.employee:
                continue
            line = record.line_of(index)
            held = ", ".join(grant.roles)
            if grant.status not in _FROM[action]:
                unchanged.append(f"{record.file}:{line}: the grant ({held}) is already {grant.status.value}")
            elif action is Action.reinstate and grant.expires is not None and grant.expires < today:
                unchanged.append(f"{record.file}:{line}: the grant ({held}) expired on {grant.expires}, so "
                                 "reinstating it gives nothing: request the roles again with `rolebook request`")
            else:
                set_status(doc, index, _TO[action])
                edits.append(StatusEdit(record.file, line, tuple(grant.roles), grant.status, _TO[action]))
        if doc.changed:
            docs.append(doc)
            locations.append(record.code)
    if not docs:
        said = "; ".join(unchanged) or "every grant of theirs is in an open removal pull request"
        raise RequestError(f"nothing to {action.value}: {said}.")
    change = _change(repo, action, person, docs, edits, locations, left, unchanged, reason, requested_by)
    return StatusChange(change, action, person.employee, locations, edits, left)


def _change(repo: Repository, action: Action, person: StaffMember, docs: list[GrantsDocument],
            edits: list[StatusEdit], locations: list[str], left: dict[str, int], unchanged: list[str],
            reason: str | None, requested_by: str) -> Change:
    places = [f"{code} ({repo.location_name(code)})" for code in locations]
    where = repo.location_name(locations[0]) if len(locations) == 1 else f"{len(locations)} locations"
    lines = [f"- {e.file}:{e.line}: {', '.join(e.roles)}: {e.before.value} -> {e.after.value}" for e in edits]
    text = f"{MEANING[action]}\n\n" + "\n".join(lines)
    if unchanged:
        text += "\n\nLeft as they are:\n" + "\n".join(f"- {item}" for item in unchanged)
    if left:
        text += "\n\nAlready in an open removal pull request, left to it:\n" + "\n".join(
            f"- {code} in #{number}" for code, number in sorted(left.items()))
    if action is not Action.reinstate:
        text = removal_body(text, removal_marker.write(action.value, {person.employee: locations}))
    roles = sorted({role for e in edits for role in e.roles})
    return Change(
        repo.root, docs,
        f"{_VERB[action]} {person.display_name}'s access at {where}",
        text,
        Trailers(requested_by, reason or "", [f"{person.employee} ({person.display_name})"], roles, places),
        branch_name(action.value, person.employee, *(locations if len(locations) < 4 else ["all"])),
    )
