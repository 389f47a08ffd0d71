"""The district's own access-request issue form: its roles and its schools, in the template's layout.

The labels stay the template's, so `rolebook request --from-issue-form` reads the district's form as it
reads the template's; only the choices change. A school is chosen by name (the request command takes
a code or a name); when two locations share a name, the form asks for the code instead.
"""

from __future__ import annotations

from typing import Any

import yaml

from rolebook.adoption import template

FORM = ".github/ISSUE_TEMPLATE/access-request.yml"


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def issue_form(role_names: list[str], locations: list[tuple[str, str]]) -> str:
    """The form for these role names and (code, name) locations, from the template's form."""
    original = template.read(FORM)
    form: dict[str, Any] = yaml.safe_load(original)
    for item in form["body"]:
        if item.get("id") == "roles":
            _roles(item, role_names)
        elif item.get("id") == "school":
            _locations(item, locations)
    body = yaml.safe_dump(form, sort_keys=False, allow_unicode=True, width=100)
    return _header(original) + body


def _roles(item: dict[str, Any], role_names: list[str]) -> None:
    if role_names:
        item["attributes"]["options"] = list(role_names)
        return
    # An empty catalog: a dropdown needs options, so the role is typed until roles are added.
    item["type"] = "input"
    item["attributes"].pop("multiple", None)
    item["attributes"].pop("options", None)
    item["attributes"]["description"] = "The role as the district's role guide names it."


def _locations(item: dict[str, Any], locations: list[tuple[str, str]]) -> None:
    names = [name for _, name in locations]
    if not names or len(set(n.lower() for n in names)) != len(names):
        codes = ", ".join(f"{code} ({name})" for code, name in locations[:40])
        item["attributes"]["description"] = f"The location code: {codes}" if codes else "The location code."
        return
    item["type"] = "dropdown"
    item["attributes"]["description"] = "The school or office where the access is needed."
    item["attributes"].pop("placeholder", None)
    item["attributes"]["options"] = names
