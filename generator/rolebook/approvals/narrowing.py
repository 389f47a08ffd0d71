"""Does a pull request only remove or narrow access? Then one approval from the removal approvers is enough.

Removing access is cheap and granting is guarded: `rolebook hr sync`, `offboard`, `revoke`, `review
apply` and expiry clean-ups take grants away, and asking every school's principal to sign for a leaver
kept leavers in. The answer is read from the files as the revisions hold them (merge base to head),
never from the commit text, and is strict: one thing that adds or widens access anywhere makes the whole
pull request a normal one.

Narrowing, and nothing else, is:
- a grant, or a role of one, that is gone (a `loses` change);
- a grant whose new terms give less: an earlier expiry (or one where there was none), a status set to
  locked or suspended;
- in the staff directory, a record whose only changes are `hr_status` set to separated, locations
  left (none joined) and an earlier (or new) contract end.
Anything else is widening or unknown and so counts as widening: a gained role, a later or removed
expiry, a status back to active, a changed `granted` date, a new or deleted staff record or any other
staff field (a Git username decides who approves), a grants file edited without changing access, and any
file that is not a grants file or the staff directory (roles, policy, groups, district, reviews).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rolebook.facts.grant_changes import CHANGES, LOSES, GrantChange
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, HRStatus, StaffMember
from rolebook.paths import GRANTS_FILE, STAFF_FILE

NEVER = "never"  # how grant_changes spells a grant with no expiry
_NARROWING_STAFF_FIELDS = ("hr_status", "locations", "contract_end")


@dataclass
class Removal:
    """What a removal-only pull request narrows, beyond its grant changes: staff records."""

    staff_items: list[str] = field(default_factory=list)  # said in the checklist
    staff_subjects: list[str] = field(default_factory=list)  # employees whose records narrow


def _narrows_term(detail: str) -> bool:
    """One changed term of a grant, as `grant_changes` words it ("expires 2027-07-31 -> 2027-03-31")."""
    name, _, values = detail.partition(" ")
    old, arrow, new = values.partition(" -> ")
    if not arrow:
        return False
    if name == "status":
        return new != GrantStatus.active.value  # locked or suspended reach nothing more than before
    if name == "expires":
        if new == NEVER:
            return False
        if old == NEVER:
            return True
        try:
            return dt.date.fromisoformat(new) < dt.date.fromisoformat(old)
        except ValueError:
            return False
    return False  # `granted` and anything new: not known to narrow


def grant_change_narrows(change: GrantChange) -> bool:
    if change.kind == LOSES:
        return True
    if change.kind == CHANGES:
        return bool(change.details) and all(_narrows_term(detail) for detail in change.details)
    return False


def _staff_change(old: StaffMember, new: StaffMember) -> str | None:
    """What narrows in one staff record, in words; None if anything in it widens (or nothing changed)."""
    before, after = old.model_dump(), new.model_dump()
    for name in _NARROWING_STAFF_FIELDS:
        before.pop(name)
        after.pop(name)
    if before != after:
        return None
    said: list[str] = []
    if new.hr_status != old.hr_status:
        if new.hr_status is not HRStatus.separated:
            return None
        said.append("marked separated")
    if new.locations != old.locations:
        if not set(new.locations) <= set(old.locations):
            return None
        said.append("leaves " + ", ".join(code for code in old.locations if code not in new.locations))
    if new.contract_end != old.contract_end:
        if new.contract_end is None or (old.contract_end is not None and new.contract_end > old.contract_end):
            return None
        said.append(f"contract ends {new.contract_end.isoformat()}")
    return "; ".join(said) or None


def _staff_narrowing(start: Repository, head: Repository, removal: Removal) -> bool:
    """True when every difference in the staff directory narrows; fills in what it narrows."""
    if set(start.staff) != set(head.staff):
        return False  # a new record, or one taken out of the directory: not a removal of access
    for employee, old in start.staff.items():
        new = head.staff[employee]
        if new == old:
            continue
        said = _staff_change(old, new)
        if said is None:
            return False
        removal.staff_items.append(f"{new.display_name} in the staff directory: {said}")
        removal.staff_subjects.append(employee)
    return True


def removal_only(start: Repository, head: Repository, changes: list[GrantChange],
                 changed_files: list[str]) -> Removal | None:
    """What the pull request narrows, if it only removes or narrows access; None if it is a normal one."""
    if not all(grant_change_narrows(change) for change in changes):
        return None
    touched = {change.source for change in changes}
    removal = Removal()
    for path in changed_files:
        match = GRANTS_FILE.match(path)
        if match is not None:
            if match.group(2) not in touched:
                return None  # a grants file edited without changing access: its location signs as usual
        elif path == STAFF_FILE:
            if not _staff_narrowing(start, head, removal):
                return None
        else:
            return None
    if not changes and not removal.staff_items:
        return None  # nothing is taken away: not a removal
    return removal
