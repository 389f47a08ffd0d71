"""Round-trip editing of access YAML (grants and staff files): comments, order and quoting survive.

Commands that change the data (review apply, HR sync) edit the files a person maintains, so they use
ruamel.yaml's round-trip mode and change only the values they mean to change.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

_DASH = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^#\s][^:]*:\s*(#.*)?$")


class _Representer(RoundTripRepresenter):
    """Writes an empty value as `null`, so a reviewer sees a field waiting to be filled in."""

    def represent_none(self, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")


_Representer.add_representer(type(None), _Representer.represent_none)


def round_trip(text: str = "") -> YAML:
    """A ruamel.yaml instance whose indentation follows the file's own (default: dash indented by 2)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never wrap a long line: a wrapped flow mapping is hard to read in a diff
    offset = _sequence_offset(text)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    yaml.Representer = _Representer
    return yaml


def _sequence_offset(text: str) -> int:
    previous: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        dash = _DASH.match(line)
        if dash and previous is not None and (key := _KEY.match(previous)):
            return max(0, len(dash.group(1)) - len(key.group(1)))
        previous = line
    return 2


def load(text: str) -> Any:
    return round_trip(text).load(text)


def dump(data: Any, like: str) -> str:
    out = io.StringIO()
    round_trip(like).dump(data, out)
    return out.getvalue()


def quoted(text: str) -> DoubleQuotedScalarString:
    """Identifiers (employee numbers, location codes) are always written in double quotes."""
    return DoubleQuotedScalarString(text)


def scope_label(raw_scope: Any) -> str:
    """'direct', 'cluster ID' or 'all-schools' for a grant's raw scope value."""
    if isinstance(raw_scope, dict):
        if raw_scope.get("cluster"):
            return f"cluster {raw_scope['cluster']}"
        if raw_scope.get("all_schools"):
            return "all-schools"
    return "direct"


@dataclass
class GrantChange:
    """What one edit did to one grant, for commit messages and PR bodies."""

    employee: str
    via: str
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    grant_deleted: bool = False


def edit_grants(text: str, employee: str, *, remove: Iterable[str] | None = None, add: Iterable[str] = (),
                via: str | None = None, acknowledge_share: float | None = None,
                acknowledgement: str = "") -> tuple[str, list[GrantChange]]:
    """Remove roles from (and optionally add roles to) one person's grants in one grants file.

    `remove=None` removes every role, so the grant goes. `via` limits the edit to grants of that scope
    ('direct', 'cluster ID', 'all-schools'). When more than `acknowledge_share` of the file's grants go,
    `acknowledge_removals` is set to `acknowledgement`, as the removal-delta rule asks.
    """
    data = load(text)
    grants: CommentedSeq = data.get("grants") or CommentedSeq()
    before = len(grants)
    to_remove = None if remove is None else set(remove)
    to_add = list(add)
    changes: list[GrantChange] = []
    for index in range(len(grants) - 1, -1, -1):
        grant = grants[index]
        if str(grant.get("employee")) != employee:
            continue
        label = scope_label(grant.get("scope", "location"))
        if via is not None and label != via:
            continue
        roles: CommentedSeq = grant.get("roles") or CommentedSeq()
        change = GrantChange(employee=employee, via=label)
        for role in list(roles):
            if to_remove is None or role in to_remove:
                roles.remove(role)
                change.removed.append(str(role))
        for role in to_add:
            if role not in roles:
                roles.append(role)
                change.added.append(role)
        if not roles:
            del grants[index]
            change.grant_deleted = True
        if change.removed or change.added:
            changes.append(change)
    if not changes:
        return text, []
    removed_share = (before - len(grants)) / before if before else 0.0
    if acknowledge_share is not None and removed_share > acknowledge_share and acknowledgement:
        _set_after(data, "acknowledge_removals", acknowledgement, after="location")
    return dump(data, text), list(reversed(changes))


def _set_after(data: CommentedMap, key: str, value: Any, *, after: str) -> None:
    if key in data:
        data[key] = value
        return
    keys = list(data.keys())
    position = keys.index(after) + 1 if after in keys else 0
    data.insert(position, key, value)
