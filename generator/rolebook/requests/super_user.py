"""Restore a lost super user: the UK guide's section 10.2, as a reviewed change.

"In the unfortunate event that your Super User account is suspended or your Super user account holder
has left, and you have no other Super user accounts available", the guide's service creates a new one
on a form "approved by a senior manager within your organisation". In Rolebook the super users are the
access administrators group (`policy.access_administrators` in `access/groups.yaml`); restoring one is
a change that puts the person back in that group and reinstates their locked or suspended grants. The
approval gate asks a member of the senior managers group (`policy.senior_managers`) for it, because
the access administrators who would normally sign are the people who are missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rolebook.infra.yamledit import GrantsDocument, YamlEditError, dump, load, quoted
from rolebook.loading import Repository
from rolebook.model.files import GrantStatus, HRStatus
from rolebook.paths import GROUPS_FILE, POLICY_FILE
from rolebook.requests import RequestError, lookup
from rolebook.requests.account_status import StatusEdit, set_status
from rolebook.requests.change import Change, EditedFile, Trailers, branch_name


class YamlFile:
    """A YAML file other than a grants file (here `access/groups.yaml`), edited round-trip."""

    def __init__(self, root: Path, relative: str):
        self.path = root / relative
        self.relative = relative
        self.original: str | None = self.path.read_bytes().decode("utf-8") if self.path.exists() else None
        try:
            self.data: Any = load(self.original or "")
        except Exception as exc:  # ruamel raises many kinds; any of them means we cannot edit safely
            raise RequestError(f"{relative}: cannot be edited safely: {exc}") from exc

    def text(self) -> str:
        return dump(self.data, self.original or "")

    @property
    def changed(self) -> bool:
        return self.text() != (self.original or "")


@dataclass
class SuperUserChange:
    change: Change
    employee: str
    group: str  # the access administrators group
    approvers: str  # the senior managers group whose approval the gate asks for
    approver_members: list[str]
    added_to_group: bool
    edits: list[StatusEdit] = field(default_factory=list)


def _policy_place(repo: Repository, key: str) -> str:
    """`roles/policy.yaml:LINE: KEY`, or where the default comes from when the file does not set it."""
    source = repo.sources.get(POLICY_FILE)
    if source is not None and isinstance(source.data, dict) and key in source.data:
        return f"{POLICY_FILE}:{repo.locate(POLICY_FILE, (key,))}: {key}"
    return f"{POLICY_FILE}: {key} (not set there, so the default)"


def _group_line(repo: Repository, group: str) -> int:
    ids = list(repo.groups)
    return repo.locate(GROUPS_FILE, ("groups", ids.index(group))) if group in ids else 1


def _check_groups(repo: Repository, employee: str) -> tuple[str, str, list[str]]:
    """The access administrators group, the senior managers group and its members who can approve."""
    admins = repo.policy.access_administrators
    seniors = repo.policy.senior_managers
    if seniors is None:
        raise RequestError(f"{_policy_place(repo, 'senior_managers')} is null, so "
                           "nobody may approve restoring a super user. Name the reviewer group of the senior "
                           "managers there (e.g. senior_managers: senior-managers) and list them in "
                           f"{GROUPS_FILE}.")
    if admins not in repo.groups:
        raise RequestError(f"{_policy_place(repo, 'access_administrators')} names '{admins}', but "
                           f"{GROUPS_FILE} has no such group: add it (id: {admins}).")
    if seniors not in repo.groups:
        raise RequestError(f"{_policy_place(repo, 'senior_managers')} names '{seniors}',"
                           f" but {GROUPS_FILE} has no such group: add it with the senior managers who "
                           "approve restoring a super user (the UK guide, section 10.2).")
    members = [m for m in repo.groups[seniors].members if m != employee and _can_sign(repo, m)]
    if not members:
        raise RequestError(f"{GROUPS_FILE}:{_group_line(repo, seniors)}: the group '{seniors}' has no member "
                           "who could approve (someone other than the person restored, known to HR, not "
                           "separated, with a Git username): add the senior managers there first.")
    return admins, seniors, members


def _can_sign(repo: Repository, employee: str) -> bool:
    person = repo.staff.get(employee)
    return person is not None and person.hr_status is not HRStatus.separated and bool(person.git_username)


def _add_member(file: YamlFile, group: str, employee: str) -> bool:
    groups = file.data.get("groups") if isinstance(file.data, CommentedMap) else None
    entry = next((g for g in groups or [] if isinstance(g, CommentedMap) and str(g.get("id")) == group), None)
    if entry is None:
        raise RequestError(f"{GROUPS_FILE}: no group '{group}' to add {employee} to.")
    members = entry.get("members")
    if members is None:
        members = CommentedSeq()
        members.fa.set_flow_style()
        entry["members"] = members
    if not isinstance(members, CommentedSeq):
        raise RequestError(f"{GROUPS_FILE}: the members of '{group}' are not a list.")
    if employee in [str(m) for m in members]:
        return False
    members.append(quoted(employee))
    return True


def build_super_user(repo: Repository, employee: str, reason: str | None, requested_by: str,
                     today: dt.date) -> SuperUserChange:
    """Put EMPLOYEE back in the access administrators group and reinstate their locked or suspended grants."""
    person = lookup.employee(repo, employee)
    lookup.grantable(person)
    admins, seniors, approver_members = _check_groups(repo, person.employee)
    groups = YamlFile(repo.root, GROUPS_FILE)
    added = _add_member(groups, admins, person.employee)
    files: list[EditedFile] = [groups] if added else []
    edits: list[StatusEdit] = []
    try:
        for code, record in sorted(repo.grants.items()):
            doc: GrantsDocument | None = None
            for index, grant in enumerate(record.model.grants):
                stopped = grant.status is not GrantStatus.active
                current = grant.expires is None or grant.expires >= today
                if grant.employee != person.employee or not stopped or not current:
                    continue
                doc = doc or GrantsDocument(repo.root / record.file, record.file, location=code)
                set_status(doc, index, GrantStatus.active)
                edits.append(StatusEdit(record.file, record.line_of(index), tuple(grant.roles), grant.status,
                                        GrantStatus.active))
            if doc is not None:
                files.append(doc)
    except YamlEditError as exc:
        raise RequestError(str(exc)) from exc
    if not files:
        raise RequestError(f"{GROUPS_FILE}:{_group_line(repo, admins)}: {person.display_name} ({person.employee}) "
                           f"is already in '{admins}' and has no locked or suspended grant: nothing to restore.")
    members = ", ".join(approver_members)
    lines = [f"- {GROUPS_FILE}: {person.employee} added to the group '{admins}'"] if added else []
    lines += [f"- {e.file}:{e.line}: {', '.join(e.roles)}: {e.before.value} -> active" for e in edits]
    body = (
        "Restores a super user (an access administrator) when none is left to do the work: the UK guide, "
        "section 10.2.\n\n" + "\n".join(lines) + "\n\n"
        f"Approval: one member of the senior managers group '{seniors}' (roles/policy.yaml senior_managers; "
        f"members: {members}), not the person restored and not the author. The access administrators' own "
        "approval is not asked for: they are the people who are missing."
    )
    change = Change(
        repo.root, files,
        f"Restore super user {person.display_name} ({admins})",
        body,
        Trailers(requested_by, reason or "", [f"{person.employee} ({person.display_name})"],
                 sorted({role for e in edits for role in e.roles}), []),
        branch_name("super-user", person.employee),
    )
    return SuperUserChange(change, person.employee, admins, seniors, approver_members, added, edits)
