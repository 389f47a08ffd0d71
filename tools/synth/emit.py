"""The generated files as YAML text, written directly for these known shapes (PyYAML's dumper is far too
slow for the full preset). The text is what the strict loader wants: identifiers in double quotes,
plain scalars only where YAML reads them back unchanged, and a schema comment on the first line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable

from rolebook.loading.yamlfile import YAML11_BOOLEANS

from tools.synth.book import Entry
from tools.synth.catalog import Catalog
from tools.synth.places import Location
from tools.synth.plan import District
from tools.synth.presets import ORGANISATION_TYPES, TODAY

_PLAIN = re.compile(r"^[^\W\d_][\w .,'()/&+-]*$")
# Words YAML reads as something other than text: the YAML 1.1 booleans the loader refuses, and 1.2's own.
_RESERVED = YAML11_BOOLEANS | {"true", "false", "null"}


def _s(text: str) -> str:
    """A string as a plain scalar when YAML reads it back unchanged, else double-quoted."""
    if _PLAIN.match(text) and not text.endswith(" ") and text.lower() not in _RESERVED:
        return text
    return _q(text)


def _q(text: str) -> str:
    """Always double-quoted (identifiers: employee numbers, location codes)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: Iterable[str], quote: bool = False) -> str:
    return "[" + ", ".join(_q(i) if quote else i for i in items) + "]"


def _header(schema: str, depth: int) -> str:
    return f"# yaml-language-server: $schema={'../' * depth}generator/schema/{schema}.schema.json\n"


def district_yaml(d: District, origin: str) -> str:
    org = d.params.organisation
    out = [_header("district", 1),
           f"# {org}: synthetic district data written by {origin}.\n",
           "# Local districts are the clusters; every school and office names who approves its access.\n",
           "organisation:\n", f"  name: {_s(org)}\n", f"  types: {_flow(ORGANISATION_TYPES)}\n",
           "clusters:\n"]
    for c in d.clusters:
        out.append(f"  - id: {c.code}\n    name: {_s(c.name)}\n    approvers: {c.approvers}\n")
    out.append("schools:\n")
    for s in d.schools:
        out.append(f"  - code: {_q(s.code)}\n    name: {_s(s.name)}\n    level: {s.level}\n"
                   f"    enrollment: {s.enrollment}\n    cluster: {s.cluster}\n")
    out.append("offices:\n")
    for o in d.offices:
        out.append(f"  - code: {_q(o.code)}\n    name: {_s(o.name)}\n    approvers: {o.approvers}\n")
        if o.cluster:
            out.append(f"    cluster: {o.cluster}\n")
    return "".join(out)


def groups_yaml(d: District) -> str:
    out = [_header("groups", 1),
           "# Reviewer groups: who approves what. Every member has a Git username in staff.yaml.\n",
           "groups:\n"]
    for gid, (name, description, members) in d.groups.items():
        out.append(f"  - id: {gid}\n    name: {_s(name)}\n    description: {_s(description)}\n")
        if not members:
            out.append("    members: []\n")
            continue
        out.append("    members:\n")
        for p in members:
            out.append(f"      - {_q(p.employee)}  # {p.first} {p.last}, {p.position}\n")
    return "".join(out)


def staff_yaml(d: District, origin: str) -> str:
    out = [_header("staff", 1),
           "# The staff directory as HR exports it: everyone, with or without access to student records.\n",
           f"source: {_q(f'HR export of {TODAY.isoformat()} (synthetic, {origin})')}\n",
           "staff:\n"]
    for p in sorted(d.people, key=lambda p: p.employee):
        out.append(f"  - employee: {_q(p.employee)}\n    last_name: {_s(p.last)}\n"
                   f"    first_name: {_s(p.first)}\n    staff_type: {p.staff_type}\n"
                   f"    position: {_s(p.position)}\n    hr_status: {p.hr_status}\n"
                   f"    locations: {_flow(p.locations, quote=True)}\n")
        if p.git:
            out.append(f"    git_username: {p.git}\n")
        if p.email:
            out.append(f"    email: {p.email}\n")
        if p.contractor:
            out.append("    contractor: true\n")
            if p.sponsor:
                out.append(f"    sponsor: {_q(p.sponsor)}\n")
            if p.contract_end:
                out.append(f"    contract_end: {p.contract_end.isoformat()}\n")
    return "".join(out)


def grant_dates(entry: Entry, catalog: Catalog) -> tuple[dt.date, dt.date]:
    """The entry's dates, within the rules: not before a role is out, not past a contract or the longest
    grant the policy allows for the roles' security levels."""
    granted = max([entry.granted] + [available for r in entry.roles
                                     if (available := catalog.roles[r].available_from) is not None])
    expires = entry.expires
    if entry.person.contract_end is not None:
        expires = min(expires, entry.person.contract_end)
    limit = min(catalog.max_grant_days(r) for r in entry.roles)
    expires = min(expires, granted + dt.timedelta(days=limit))
    return granted, expires


def grants_yaml(loc: Location, entries: Iterable[Entry], catalog: Catalog, clusters: dict[str, Location]) -> str:
    if loc.kind == "school":
        cluster = clusters[loc.cluster].name if loc.cluster else ""
        about = f"{loc.name} ({loc.code}): {loc.level} school, {loc.enrollment:,} students, {cluster}."
    else:
        about = f"{loc.name} ({loc.code}): district office."
    out = [_header("grants", 3), f"# {about}\n", f"location: {_q(loc.code)}\n", "grants:\n"]
    for e in entries:
        p = e.person
        granted, expires = grant_dates(e, catalog)
        out.append(f"  - employee: {_q(p.employee)}  # {p.first} {p.last}, {p.position}\n"
                   f"    roles: {_flow(e.roles)}\n")
        if e.scope is not None:
            kind, value = e.scope
            out.append("    scope: {all_schools: true}\n" if kind == "all" else f"    scope: {{cluster: {value}}}\n")
        out.append(f"    granted: {granted.isoformat()}\n    expires: {expires.isoformat()}\n")
        if e.reason:
            out.append(f"    reason: {_s(e.reason)}\n")
    if out[-1] == "grants:\n":
        out[-1] = "grants: []\n"
    return "".join(out)

