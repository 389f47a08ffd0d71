"""What a change does to access, per grant: who gains or loses which role, through which grants file.

Gains and losses come from the shared effective-access diff (`rolebook.facts.diff.access_diff`), grouped so
that a cluster grant reads as one change reaching many schools; changed terms of a grant that keeps
its access (an extended expiry, a status) are found here. Each change names the grants file it comes
from: that file's location signs for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rolebook.facts.diff import access_diff
from rolebook.facts.resolve import Access, effective_access
from rolebook.loading import Repository
from rolebook.model.files import Grant, LocationKind
from rolebook.paths import GRANTS_FILE, SCHOOLS_FOLDER

GAINS, LOSES, CHANGES = "gains", "loses", "changes"

# (employee, grants file location, role, via, cluster)
Key = tuple[str, str, str, str, str | None]


@dataclass(frozen=True, slots=True)
class GrantChange:
    kind: str  # gains | loses | changes
    employee: str
    role: str
    source: str  # location code of the grants file the grant lives in
    source_kind: LocationKind
    via: str  # direct | cluster | all-schools
    cluster: str | None
    locations: tuple[str, ...]  # the locations reached
    details: tuple[str, ...] = ()  # for "changes": what changed, e.g. "expires 2027-07-31 -> 2028-01-31"


def _index(accesses: list[Access]) -> dict[Key, tuple[list[str], Access]]:
    found: dict[Key, tuple[list[str], Access]] = {}
    for access in accesses:
        key = (access.employee, access.source.code, access.role, access.via, access.cluster)
        entry = found.setdefault(key, ([], access))
        if access.location not in entry[0]:
            entry[0].append(access.location)
    return found


def _attributes(grant: Grant) -> dict[str, str]:
    return {
        "expires": grant.expires.isoformat() if grant.expires else "never",
        "status": grant.status.value,
        "granted": grant.granted.isoformat(),
    }


def _source(file: str) -> tuple[str, LocationKind] | None:
    match = GRANTS_FILE.match(file)
    if match is None:
        return None
    return match.group(2), LocationKind.school if match.group(1) == SCHOOLS_FOLDER else LocationKind.office


def _via(how: str) -> tuple[str, str | None]:
    if how.startswith("via cluster "):
        return "cluster", how.removeprefix("via cluster ")
    return ("all-schools", None) if how == "all schools" else ("direct", None)


def grant_changes(base: Repository, head: Repository) -> list[GrantChange]:
    """Gains and losses from the shared effective-access diff (rolebook.facts.diff), grouped per grant, plus
    grants whose access stays but whose terms change (an extended expiry, a status)."""
    grouped: dict[tuple[str, str, str, str, str, str | None], tuple[LocationKind, list[str]]] = {}
    before_access, after_access = effective_access(base), effective_access(head)  # resolved once, used twice
    for item in access_diff(base, head, before_access=before_access, after_access=after_access):
        source = _source(item.file)
        if source is None:
            continue
        via, cluster = _via(item.via)
        kind = GAINS if item.change == "added" else LOSES
        entry = grouped.setdefault((kind, item.employee, source[0], item.role, via, cluster), (source[1], []))
        entry[1].append(item.location)
    changes = [GrantChange(kind, employee, role, code, entry[0], via, cluster, tuple(sorted(entry[1])))
               for (kind, employee, code, role, via, cluster), entry in grouped.items()]
    before, after = _index(before_access), _index(after_access)
    for key in before.keys() & after.keys():
        employee, code, role, via, cluster = key
        (_, old), (locations, new) = before[key], after[key]
        if old.grant is new.grant:  # one model for both sides (a file the change left alone): same terms
            continue
        old_attrs, new_attrs = _attributes(old.grant), _attributes(new.grant)
        details = tuple(f"{name} {old_attrs[name]} -> {new_attrs[name]}"
                        for name in old_attrs if old_attrs[name] != new_attrs[name])
        if details:
            changes.append(GrantChange(CHANGES, employee, role, code, new.source.kind, via, cluster,
                                       tuple(sorted(locations)), details))
    changes.sort(key=lambda c: (c.source, c.employee, c.role, c.kind != LOSES, c.kind))
    return changes


def changes_by_file(changes: list[GrantChange]) -> dict[str, list[GrantChange]]:
    grouped: dict[str, list[GrantChange]] = defaultdict(list)
    for change in changes:
        grouped[change.source].append(change)
    return grouped
