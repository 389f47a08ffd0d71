"""Carry out a plan on the service provider, one request per change, and say what was and was not done.

Order: users first (a group can only hold users that exist), then groups and their members, then
deactivations. A request the server refuses (4xx) fails alone and the run goes on; a server or network
fault (5xx, no answer) stops the run, and everything left is reported as not attempted. Either way the
next run plans again from what the server then holds, so it finishes the job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from rolebook.apply.plan import Plan
from rolebook.apply.scim import ScimConnection, ScimError
from rolebook.apply.state import DesiredUser

COMPLETE, PARTIAL = "complete", "partial"


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    not_attempted: list[str] = field(default_factory=list)
    created_users: dict[str, str] = field(default_factory=dict)  # employee -> SCIM id
    stopped_by: str | None = None  # the server fault that ended the run early

    @property
    def result(self) -> str:
        return PARTIAL if self.failed or self.not_attempted else COMPLETE


class _Steps:
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def run(self, what: str, call: Callable[[], object]) -> bool:
        if self.outcome.stopped_by is not None:
            self.outcome.not_attempted.append(what)
            return False
        try:
            call()
        except ScimError as exc:
            self.outcome.failed.append(str(exc))
            if exc.server_fault:
                self.outcome.stopped_by = str(exc)
            return False
        except Exception as exc:  # a fault of this side: stop, but the run is still reported and recorded
            self.outcome.failed.append(f"{what}: {type(exc).__name__}")
            self.outcome.stopped_by = f"{what}: {type(exc).__name__}"
            return False
        self.outcome.done.append(what)
        return True

    def skip(self, what: str) -> None:
        self.outcome.not_attempted.append(what)


def execute(plan: Plan, connection: ScimConnection) -> Outcome:
    outcome = Outcome()
    steps = _Steps(outcome)
    ids = dict(plan.user_ids)

    def create(user: DesiredUser) -> None:
        ids[user.employee] = outcome.created_users[user.employee] = connection.create_user(user)

    for change in plan.create_users:
        assert change.user is not None
        steps.run(f"create user {change.employee}", partial(create, change.user))
    for change in plan.update_users:
        steps.run(f"update user {change.employee} ({', '.join(a for a, _, _ in change.changes)})",
                  partial(connection.patch_user, change.employee, change.id or "", change.version, change.changes))

    adds: dict[str, list[str]] = defaultdict(list)
    removes: dict[str, list[str]] = defaultdict(list)
    for member in plan.add_members:
        adds[member.group].append(member.employee)
    for member in plan.remove_members:
        removes[member.group].append(member.employee)

    def known(group: str, employees: list[str], verb: str) -> list[str]:
        found = []
        for employee in employees:
            if employee in ids:
                found.append(ids[employee])
            else:  # its user could not be created this time
                steps.skip(f"{verb} {employee} {'to' if verb == 'add' else 'from'} {group}")
        return found

    for name in plan.create_groups:
        members = known(name, adds.pop(name, []), "add")
        steps.run(f"create group {name} with {len(members)} member(s)", partial(_create_group, plan, connection,
                                                                             name, members))
    for name in sorted(set(adds) | set(removes)):
        add, remove = known(name, adds.get(name, []), "add"), known(name, removes.get(name, []), "remove")
        if not add and not remove:
            continue
        if name not in plan.group_ids:
            steps.skip(f"change the members of group {name} (the group could not be created)")
            continue
        steps.run(f"group {name}: add {len(add)}, remove {len(remove)}",
                  partial(connection.patch_members, name, plan.group_ids[name], plan.group_versions.get(name),
                          add, remove))
    for change in plan.deactivate_users:
        steps.run(f"deactivate user {change.employee}",
                  partial(connection.patch_user, change.employee, change.id or "", change.version, change.changes))
    return outcome


def _create_group(plan: Plan, connection: ScimConnection, name: str, members: list[str]) -> None:
    plan.group_ids[name] = connection.create_group(name, members)
