"""The effective-access diff between two revisions: who gains or loses which role where.

This is what an approver reads on a pull request, and what the approval gate and the site reuse.
It compares effective access (direct, via cluster, all schools), so a cluster grant shows as every
school it reaches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rolebook.facts.resolve import Access, effective_access
from rolebook.loading import Repository


@dataclass(frozen=True, slots=True)
class AccessChange:
    employee: str
    name: str | None
    location: str
    location_name: str
    role: str
    role_name: str
    security_level: str | None
    modules: tuple[str, ...]
    change: str  # "added" or "removed"
    via: str  # "direct", "via cluster X", "all schools"
    file: str = ""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["modules"] = list(self.modules)
        return data

    @property
    def verb(self) -> str:
        return "gains" if self.change == "added" else "loses"


def access_diff(base_repo: Repository, head_repo: Repository, *, before_access: list[Access] | None = None,
                after_access: list[Access] | None = None) -> list[AccessChange]:
    """Changes from base to head, sorted by location, person and role. Removals before additions.

    `before_access` and `after_access`: the effective access of each side, when the caller has it already.
    """
    before = _index(before_access if before_access is not None else effective_access(base_repo))
    after = _index(after_access if after_access is not None else effective_access(head_repo))
    changes = [_change(head_repo, base_repo, a, "added") for key, a in after.items() if key not in before]
    changes += [_change(head_repo, base_repo, a, "removed") for key, a in before.items() if key not in after]
    changes.sort(key=lambda c: (c.location, c.name or c.employee, c.employee, c.change != "removed", c.role))
    return changes


def _index(accesses: list[Access]) -> dict[tuple[str, str, str], Access]:
    found: dict[tuple[str, str, str], Access] = {}
    for access in accesses:
        found.setdefault((access.employee, access.location, access.role), access)
    return found


def _change(head: Repository, base: Repository, access: Access, change: str) -> AccessChange:
    role = head.roles.get(access.role) or base.roles.get(access.role)
    member = head.staff.get(access.employee) or base.staff.get(access.employee)
    location_name = head.location_name(access.location)
    if location_name == access.location:
        location_name = base.location_name(access.location)
    return AccessChange(
        employee=access.employee,
        name=member.display_name if member else None,
        location=access.location,
        location_name=location_name,
        role=access.role,
        role_name=role.name if role else access.role,
        security_level=role.security_level.value if role else None,
        modules=tuple(role.modules) if role else (),
        change=change,
        via=access.how,
        file=access.source.file,
    )
