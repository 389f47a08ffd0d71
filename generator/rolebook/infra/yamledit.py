"""Round-trip editing of access YAML (grants, staff and review files): comments, order and quoting survive.

Commands that change the data (request, revoke, transfer, offboard, review apply, HR sync) edit files
a person maintains, so they use ruamel.yaml's round-trip mode and change only the values they mean to
change. `GrantsDocument` is the one editor of grants files; `load`/`dump` serve the other files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

GRANTS_HEADER = "# yaml-language-server: $schema=../../../generator/schema/grants.schema.json\n"

_DASH = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^#\s][^:]*:\s*(#.*)?$")


class YamlEditError(Exception):
    """A file cannot be edited safely (it does not parse, or lacks the shape the edit needs)."""


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


def flow_list(items: Iterable[Any]) -> CommentedSeq:
    """A list written on one line, `[a, b]`, as grants and review items write their roles."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


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


class GrantsDocument:
    """One grants file, loaded for editing. `text()` gives the new file; `original` the old (None: new file)."""

    def __init__(self, path: Path, relative: str, original: str | None = None, location: str | None = None):
        self.path = path
        self.relative = relative
        self.original = original if original is not None else (
            path.read_text(encoding="utf-8") if path.exists() else None)
        if self.original is None:
            self.yaml = round_trip()
            self.prefix = GRANTS_HEADER
            self.data: Any = CommentedMap()
            self.data["location"] = quoted(location or path.parent.name)
            self.data["grants"] = CommentedSeq()
            self.initial_count = 0
            return
        self.prefix = ""
        try:
            _, indent, block_indent = load_yaml_guess_indent(self.original)
            self.yaml = round_trip(self.original)
            self.data = self.yaml.load(self.original)
        except Exception as exc:  # ruamel raises many kinds; any of them means we cannot edit safely
            raise YamlEditError(f"{relative}: cannot be edited safely: {exc}") from exc
        if not isinstance(self.data, CommentedMap):
            raise YamlEditError(f"{relative}: expected a mapping with 'location' and 'grants'")
        # "grants:\n  - employee:" guesses (4, 2): sequences indent 4 with the dash at 2, mappings 2.
        sequence = indent if indent is not None else 2
        offset = block_indent if block_indent is not None else 0
        self.yaml.indent(mapping=max(sequence - offset, 2), sequence=sequence, offset=offset)
        if self.data.get("grants") is None:
            self.data["grants"] = CommentedSeq()
        # The removal-delta rule compares the whole change with the file as it was, however many edits
        # the change is made of, so the share removed is measured against this count.
        self.initial_count = len(self.data["grants"]) if isinstance(self.data["grants"], list) else 0

    @property
    def grants(self) -> CommentedSeq:
        grants = self.data["grants"]
        if not isinstance(grants, CommentedSeq):
            raise YamlEditError(f"{self.relative}: 'grants' is not a list")
        return grants

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return self.prefix + out.getvalue()

    @property
    def changed(self) -> bool:
        return self.text() != (self.original or "")

    # ------------------------------------------------------------------ finding grants
    def grants_of(self, employee: str) -> list[int]:
        return [i for i, g in enumerate(self.grants) if isinstance(g, dict) and str(g.get("employee")) == employee]

    def location_grant(self, employee: str) -> int | None:
        """The person's active grant scoped to this location, which new roles are added to."""
        for index in self.grants_of(employee):
            grant = self.grants[index]
            if grant.get("scope", "location") == "location" and grant.get("status", "active") == "active":
                return index
        return None

    # ------------------------------------------------------------------ edits
    def add_roles(self, index: int, roles: list[str]) -> list[str]:
        current = self.grants[index].get("roles")
        if not isinstance(current, CommentedSeq):
            raise YamlEditError(f"{self.relative}: grant {index + 1} has no list of roles")
        added = [r for r in roles if r not in current]
        current.extend(added)
        return added

    def append_grant(self, employee: str, roles: list[str], granted: dt.date, expires: dt.date | None,
                     reason: str | None, verification: str | None) -> None:
        grant = CommentedMap()
        grant["employee"] = quoted(employee)
        grant["roles"] = flow_list(roles)
        grant["granted"] = granted
        if expires is not None:
            grant["expires"] = expires
        if reason:
            grant["reason"] = reason
        if verification:
            grant["verification"] = verification
        self.grants.append(grant)

    def set_expires(self, index: int, expires: dt.date) -> None:
        self.grants[index]["expires"] = expires

    def remove_roles(self, employee: str, roles: list[str] | None) -> list[str]:
        """Remove these roles (None: all) from the person's grants here; drop grants left empty."""
        removed: list[str] = []
        for index in reversed(self.grants_of(employee)):
            grant = self.grants[index]
            current = grant.get("roles") or []
            if roles is None:
                removed.extend(str(r) for r in current)
                self._delete(index)
                continue
            gone = [r for r in current if r in roles]
            if not gone:
                continue
            removed.extend(gone)
            if len(gone) == len(current):
                self._delete(index)
            else:
                for role in gone:
                    current.remove(role)
        return list(dict.fromkeys(removed))

    def edit(self, employee: str, *, remove: Iterable[str] | None = None, add: Iterable[str] = (),
             via: str | None = None, acknowledge_share: float | None = None,
             acknowledgement: str = "") -> list[GrantChange]:
        """Remove roles from (and optionally add roles to) one person's grants here; what changed, in file order.

        `remove=None` removes every role, so the grant goes. `via` limits the edit to grants of that scope
        ('direct', 'cluster ID', 'all-schools'). When this edit removes more than `acknowledge_share` of
        the file's grants as loaded (this edit and earlier ones on the same document together),
        `acknowledge_removals` is set to `acknowledgement`, as the removal-delta rule asks.
        """
        grants = self.grants
        to_remove = None if remove is None else set(remove)
        to_add = list(add)
        changes: list[GrantChange] = []
        for index in reversed(self.grants_of(employee)):
            grant = grants[index]
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
            if not roles and change.removed:
                self._delete(index)
                change.grant_deleted = True
            if change.removed or change.added:
                changes.append(change)
        before = self.initial_count
        removed_share = (before - len(grants)) / before if before else 0.0
        if changes and acknowledge_share is not None and removed_share > acknowledge_share and acknowledgement:
            self._set_after("acknowledge_removals", acknowledgement, after="location")
        return list(reversed(changes))

    def _set_after(self, key: str, value: Any, *, after: str) -> None:
        if key in self.data:
            self.data[key] = value
            return
        keys = list(self.data.keys())
        position = keys.index(after) + 1 if after in keys else 0
        self.data.insert(position, key, value)

    def _delete(self, index: int) -> None:
        """Delete a grant, keeping the comment lines that follow it (ruamel attaches them to it)."""
        grant = self.grants[index]
        keys = list(grant.keys()) if isinstance(grant, CommentedMap) else []
        token = grant.ca.items.get(keys[-1]) if keys else None
        trailing = token[2] if token and len(token) > 2 else None
        rest = trailing.value.partition("\n")[2] if trailing is not None else ""
        del self.grants[index]
        if not rest.strip():
            return
        if index > 0:
            previous = self.grants[index - 1]
            last = list(previous.keys())[-1]
            slot = previous.ca.items.setdefault(last, [None, None, None, None])
            while len(slot) < 4:
                slot.append(None)
            if slot[2] is None:
                slot[2] = CommentToken("\n" + rest, CommentMark(0), None)
            else:
                slot[2].value = slot[2].value.rstrip("\n") + "\n" + rest
        else:
            if self.grants.ca.comment is None:
                self.grants.ca.comment = [None, []]
            if self.grants.ca.comment[1] is None:
                self.grants.ca.comment[1] = []
            self.grants.ca.comment[1].append(CommentToken(rest, CommentMark(0), None))
