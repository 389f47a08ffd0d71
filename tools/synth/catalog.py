"""The role catalog as the generator asks about it, read by Rolebook's own loader.

The roles and the policy are the models `rolebook.loading.repository.load_catalog` returns, so a
catalog the validator refuses is refused here too (with the loader's file:line messages), and every
number the generated data must respect (quotas, grant lengths) comes from the models' own arithmetic.
"""

from __future__ import annotations

import re
from pathlib import Path

from rolebook.loading.repository import load_catalog
from rolebook.model.files import LocationKind, Policy, Role, SchoolLevel

from tools.synth.presets import ORGANISATION_TYPES, TODAY

DEFAULT_GRANT_DAYS = 400  # a security level the policy does not list: the strictest default


class Catalog:
    """Roles and policy, with the few indexes the generator's hot paths need."""

    def __init__(self, roles: dict[str, Role], policy: Policy) -> None:
        self.roles = roles
        self.policy = policy
        self.usable = frozenset(r.id for r in roles.values() if _usable(r))
        # role -> the HR positions allowed to hold it, lowercase (the models compare case-insensitively)
        self.positions = {r.id: frozenset(p.lower() for p in r.eligibility.positions) for r in roles.values()}
        self.generic_patterns = tuple(re.compile(p, re.IGNORECASE) for p in policy.generic_account_patterns)
        self.forbidden = tuple(frozenset(c.roles) for c in policy.forbidden_combinations)

    def at_school(self, role_id: str, level: str) -> bool:
        """May a school of this level hold the role in its own file? SPED roles live in office files."""
        role = self.roles[role_id]
        if LocationKind.school not in role.applies_to.locations or role.extra_approval:
            return False
        levels = role.applies_to.school_levels
        return levels is None or level in levels

    def at_office(self, role_id: str) -> bool:
        return LocationKind.office in self.roles[role_id].applies_to.locations

    def minimum(self, role_id: str, level: str | None) -> int:
        """Fewest holders at one school of `level` (None: district-wide, for office roles)."""
        return self.roles[role_id].quota.minimum_for(_level(level)) or 0

    def cap(self, role_id: str, enrollment: int, level: str | None) -> int | None:
        """Most holders allowed for this many students (None: no limit): the maximum and the ratio."""
        quota = self.roles[role_id].quota
        caps = [c for c in (quota.maximum, quota.allowed_by_ratio(enrollment, _level(level))) if c is not None]
        return min(caps) if caps else None

    def max_grant_days(self, role_id: str) -> int:
        return self.policy.max_grant_days.get(self.roles[role_id].security_level, DEFAULT_GRANT_DAYS)

    def generic(self, text: str) -> bool:
        """Would the policy take this name for a shared or generic account?"""
        return any(p.search(text) for p in self.generic_patterns)


def read_catalog(root: Path) -> Catalog:
    """The catalog of the repository at `root`; LoadFailed (every problem, file and line) if it is broken."""
    repo = load_catalog(root)
    if not repo.roles:
        raise ValueError(f"no roles found in {root / 'roles'}: the generator needs the role catalog")
    return Catalog(repo.roles, repo.policy)


def _usable(role: Role) -> bool:
    """Can this district grant the role today? Not if it is for other kinds of organisation, or not yet out."""
    allowed = role.eligibility.organisation_types
    if allowed and not set(allowed) & set(ORGANISATION_TYPES):
        return False
    return role.available_from is None or role.available_from <= TODAY


_LEVELS = {level.value: level for level in SchoolLevel}  # a lookup: SchoolLevel(text) is slow in hot loops


def _level(level: str | None) -> SchoolLevel | None:
    return _LEVELS[level] if level is not None else None
