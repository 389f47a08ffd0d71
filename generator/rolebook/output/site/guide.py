"""The public role guide's data: roles as the guide groups them, who approves each, the policy rules.

The public build reads roles/, the names of reviewer groups and the organisation's name, nothing else:
the staff directory and the grants are never opened, so no personal data can reach the public site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rolebook.facts.catalog import ordered_roles, role_record
from rolebook.loading import Repository
from rolebook.loading.yamlfile import read_yaml
from rolebook.model.files import LocationKind, Role
from rolebook.output.site.markup import rule_doc_blocks
from rolebook.paths import DISTRICT_FILE, GROUPS_FILE
from rolebook.policy.rules import all_rules

LEVEL_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High"}


def group_names(root: Path) -> dict[str, str]:
    """Reviewer group id -> name. Only the names are kept: the members are employee numbers."""
    path = root / GROUPS_FILE
    if not path.is_file():
        return {}
    data = read_yaml(path, GROUPS_FILE).data
    groups = data.get("groups") if isinstance(data, dict) else None
    names: dict[str, str] = {}
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and isinstance(group.get("id"), str) and isinstance(group.get("name"), str):
            names[group["id"]] = group["name"]
    return names


def organisation_name(root: Path) -> str | None:
    """The organisation's name from access/district.yaml, or None when the file is not there.

    Only the `organisation:` block is looked at: schools and offices are read by the full load alone."""
    path = root / DISTRICT_FILE
    if not path.is_file():
        return None
    parsed = read_yaml(path, DISTRICT_FILE)
    if parsed.errors:
        raise ValueError(parsed.errors[0].format())
    organisation = parsed.data.get("organisation") if isinstance(parsed.data, dict) else None
    name = organisation.get("name") if isinstance(organisation, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def approvers(repo: Repository, role: Role, groups: dict[str, str]) -> list[str]:
    """Who approves a request for this role, in words, from the role and the district policy."""
    approver_names = [repo.roles[r].name if r in repo.roles else r for r in repo.policy.approver_roles]
    lines: list[str] = []
    if role.id in repo.policy.approver_roles:
        lines.append(f"The local district's administrators: a {role.name.lower()} never approves their own access")
    elif LocationKind.school in role.applies_to.locations:
        lines.append(f"The {' or '.join(approver_names).lower()} of the school")
    if LocationKind.office in role.applies_to.locations:
        lines.append("The office's approvers, as the district file names them")
    for group in role.extra_approval:
        lines.append(f"Also {groups.get(group, group.replace('-', ' ').title())}")
    return lines


def role_view(repo: Repository, role: Role, groups: dict[str, str]) -> dict[str, Any]:
    record = role_record(repo, role)
    record["level_label"] = LEVEL_LABELS.get(record["security_level"], record["security_level"])
    record["approvers"] = approvers(repo, role, groups)
    record["page"] = f"{role.id}.md"
    record["where"] = [kind.value for kind in role.applies_to.locations]
    return record


def guide_sections(repo: Repository, groups: dict[str, str]) -> list[dict[str, Any]]:
    """Categories in the guide's order, each with its roles."""
    sections: dict[str, dict[str, Any]] = {}
    for role in ordered_roles(repo):
        category = repo.categories.get(role.category)
        section = sections.setdefault(role.category, {
            "id": role.category, "name": category.name if category else role.category,
            "description": category.description if category else None, "roles": []})
        section["roles"].append(role_view(repo, role, groups))
    return list(sections.values())


def rule_views(repo: Repository) -> list[dict[str, Any]]:
    """Every registered rule, with its severity in this district and its documentation."""
    views = []
    for rule in all_rules():
        setting = repo.policy.rules.get(rule.code)
        default = getattr(getattr(rule, "severity", None), "value", str(getattr(rule, "severity", "")))
        effective = setting.severity if setting is not None and setting.severity else default
        views.append({
            "code": rule.code, "name": getattr(rule, "name", rule.code), "severity": default,
            "effective": effective, "summary": getattr(rule, "summary", ""),
            "sources": [source_name(repo, code) for code in getattr(rule, "sources", ())],
            "local": getattr(rule, "local", True),
            "blocks": rule_doc_blocks(rule.doc(), rule), "page": f"{rule.code}.md",
        })
    return views


def source_name(repo: Repository, code: str) -> str:
    """A source document's name as policy.yaml gives it (`source_documents`); an unnamed code as itself."""
    return repo.policy.source_documents.get(code) or f"document {code}"
