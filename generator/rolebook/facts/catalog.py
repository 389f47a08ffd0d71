"""The role catalog as public data: the contract behind `rolebook roles --format json` and the guide."""

from __future__ import annotations

from typing import Any

from rolebook.loading import Repository
from rolebook.model.files import Role


def role_record(repo: Repository, role: Role) -> dict[str, Any]:
    category = repo.categories.get(role.category)
    quota = role.quota
    return {
        "id": role.id,
        "name": role.name,
        "category": category.name if category else role.category,
        "category_id": role.category,
        "description": role.description,
        "security_level": role.security_level.value,
        "modules": list(role.modules),
        "user_types": list(role.user_types),
        "request_via": role.request_via.value,
        "request_form": role.request_form,
        "quota": {
            "per_students": quota.per_students,
            "minimum": quota.minimum,
            "minimum_elementary": quota.minimum_elementary,
            "minimum_secondary": quota.minimum_secondary,
            "maximum": quota.maximum,
            "text": quota.text,
        },
        "applies_to": {
            "locations": [kind.value for kind in role.applies_to.locations],
            "school_levels": [lvl.value for lvl in role.applies_to.school_levels]
            if role.applies_to.school_levels is not None else None,
        },
        "extra_approval": list(role.extra_approval),
        "available_from": role.available_from.isoformat() if role.available_from else None,
        "eligibility": {
            "staff_types": [t.value for t in role.eligibility.staff_types],
            "positions": list(role.eligibility.positions),
            "organisation_types": list(role.eligibility.organisation_types),
            "note": role.eligibility.note,
        },
        "combinable": role.combinable,
    }


def ordered_roles(repo: Repository) -> list[Role]:
    """Roles in the guide's order: by category as listed, then by name."""
    order = {cid: i for i, cid in enumerate(repo.categories)}
    return sorted(repo.roles.values(), key=lambda r: (order.get(r.category, len(order)), r.name.lower()))


def find_role(repo: Repository, text: str) -> Role | None:
    """A role by id or by name, case-insensitively, so people can type what the guide says."""
    if text in repo.roles:
        return repo.roles[text]
    wanted = text.strip().lower()
    for role in repo.roles.values():
        if role.name.lower() == wanted:
            return role
    return None
