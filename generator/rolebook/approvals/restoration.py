"""Is a pull request exactly the restoration of a lost super user? Then a senior manager signs it alone.

The UK guide's section 10.2: when the super users are gone, a new one is "approved by a senior manager
within your organisation". `rolebook reinstate --super-user` makes that change; the gate recognises it
from the files alone (merge base to head), never from the pull request's text, and strictly:

- `access/groups.yaml` changes, and its only change is one employee added to the members of the
  access administrators group (`policy.access_administrators` of the base);
- every other file that changes is a grants file, and in it the only changes are grants of that same
  employee whose `status` goes from locked or suspended to active (and each such file has one);
- nothing else changes: no staff record, role, policy, district or review file.

Anything else is a normal pull request, judged by the usual rules. The senior managers are the base's
`policy.senior_managers` group; the person restored and the pull request's authors never count.
"""

from __future__ import annotations

from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, Group
from rolebook.paths import GRANTS_FILE, GROUPS_FILE

_RESTORABLE = {GrantStatus.locked.value, GrantStatus.suspended.value}


def _added_member(before: Group | None, after: Group | None) -> str | None:
    """The one employee `after` adds to `before`'s members, when that is the group's only change."""
    if before is None or after is None:
        return None
    if before.model_dump(exclude={"members"}) != after.model_dump(exclude={"members"}):
        return None
    added = [member for member in after.members if member not in before.members]
    if len(added) != 1 or len(after.members) != len(before.members) + 1:
        return None
    if [member for member in after.members if member != added[0]] != before.members:
        return None  # the others are kept as they were, in their order
    return added[0]


def _only_status_restored(start: Repository, head: Repository, code: str, employee: str) -> bool:
    """In this location's grants file, only `employee`'s grants change, each from locked or suspended
    to active and nothing else; at least one does."""
    before, after = start.grants.get(code), head.grants.get(code)
    if before is None or after is None or len(before.model.grants) != len(after.model.grants):
        return False
    if before.model.model_dump(exclude={"grants"}) != after.model.model_dump(exclude={"grants"}):
        return False
    restored = 0
    for old, new in zip(before.model.grants, after.model.grants, strict=True):
        if old == new:
            continue
        old_terms, new_terms = old.model_dump(exclude={"status"}), new.model_dump(exclude={"status"})
        if (new.employee != employee or old_terms != new_terms or old.status.value not in _RESTORABLE
                or new.status is not GrantStatus.active):
            return False
        restored += 1
    return restored > 0


def restored_super_user(base: Repository, start: Repository, head: Repository,
                        changed_files: list[str]) -> str | None:
    """The employee a pull request restores as a super user, if that is all it does; else None."""
    if GROUPS_FILE not in changed_files:
        return None
    admins = base.policy.access_administrators
    if set(start.groups) != set(head.groups):
        return None
    if any(start.groups[group_id] != head.groups[group_id] for group_id in start.groups if group_id != admins):
        return None
    employee = _added_member(start.groups.get(admins), head.groups.get(admins))
    if employee is None:
        return None
    for path in changed_files:
        if path == GROUPS_FILE:
            continue
        match = GRANTS_FILE.match(path)
        if match is None or not _only_status_restored(start, head, match.group(2), employee):
            return None
    return employee
