"""Round-trip editing of access YAML (grants, staff and review files): comments, order and quoting survive.

Commands that change the data (request, revoke, transfer, offboard, review apply, HR sync) edit files
a person maintains, so they use ruamel.yaml's round-trip mode and change only the values they mean to
change. `GrantsDocument` is the one editor of grants files; `load`/`dump` serve the other files.
"""

from __future__ import annotations

import datetime as dt
import difflib
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
    """`data` as YAML; with `like` (the file as it was), its lines kept wherever the data did not change."""
    out = io.StringIO()
    round_trip(like).dump(data, out)
    return keep_lines(like, out.getvalue()) if like else out.getvalue()


_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")


def _same(line: str) -> str:
    """A line as data: what ruamel respaces (flow lists, trailing spaces) or decodes (escapes) is no change."""
    decoded = _ESCAPE.sub(lambda match: chr(int(next(g for g in match.groups() if g), 16)), line)
    return "".join(decoded.split())


def keep_lines(original: str, dumped: str) -> str:
    """`dumped` with every line that says what an original line said written as the original wrote it
    (its spacing and line ending), and the header ruamel drops (`---`, the comments above it) kept."""
    old = original.splitlines(keepends=True)
    new = dumped.splitlines(keepends=True)
    ending = "\r\n" if original.partition("\n")[0].endswith("\r") else "\n"
    first_content = next((i for i, line in enumerate(old) if line.strip() and not line.lstrip().startswith("#")
                          and not line.startswith(("---", "%"))), len(old))
    matcher = difflib.SequenceMatcher(None, [_same(x) for x in old], [_same(x) for x in new], autojunk=False)
    result: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result += old[i1:i2]
            continue
        result += [line for index, line in enumerate(old[i1:i2], i1) if index < first_content]
        result += [line.rstrip("\r\n") + ending for line in new[j1:j2]]
    if result and old and not old[-1].endswith("\n") and result[-1] == old[-1] + ending:
        result[-1] = old[-1]
    return "".join(result)


def quoted(text: str) -> DoubleQuotedScalarString:
    """Identifiers (employee numbers, location codes) are always written in double quotes."""
    scalar: DoubleQuotedScalarString = DoubleQuotedScalarString(text)
    return scalar


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
        # Bytes decoded as they are: read_text would turn CRLF into LF and the whole file would change.
        self.original = original if original is not None else (
            path.read_bytes().decode("utf-8") if path.exists() else None)
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
        self._before = _entries_of(self.data)

    @property
    def grants(self) -> CommentedSeq:
        grants = self.data["grants"]
        if not isinstance(grants, CommentedSeq):
            raise YamlEditError(f"{self.relative}: 'grants' is not a list")
        return grants

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        dumped = self.prefix + out.getvalue()
        if self.original is None:
            return dumped
        return splice(self.original, dumped, self._before, _entries_of(self.data))

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


# ---------------------------------------------------------------------- keeping the file
# ruamel.yaml rewrites a whole file when it dumps it: CRLF becomes LF, a `---` line and the comments above
# it go, flow lists are respaced, escapes decoded. A person's file changes only where the edit is: the new
# file is the old one, byte for byte, with the lines of the top-level entries and grants that changed
# replaced by ruamel's lines for them (in the file's own line ending).

_Entries = tuple[dict[str, str], list[str]]  # top-level key -> its value, and each grant, in canonical form


def _canonical(value: Any) -> str:
    """A value as data, whatever its YAML form (quotes, flow or block, escapes)."""
    def plain(item: Any) -> Any:
        if isinstance(item, dict):
            return [[str(key), plain(inner)] for key, inner in item.items()]
        if isinstance(item, list):
            return [plain(inner) for inner in item]
        if isinstance(item, bool) or item is None:
            return item
        if isinstance(item, (dt.date, int, float)):
            return [type(item).__name__ if not isinstance(item, dt.date) else "date", str(item)]
        return str(item)
    return repr(plain(value))


def _entries_of(data: Any) -> _Entries:
    if not isinstance(data, dict):
        return {}, []
    top = {str(key): _canonical(value) for key, value in data.items() if key != "grants"}
    grants = data.get("grants")
    return top, [_canonical(grant) for grant in grants] if isinstance(grants, list) else []


@dataclass
class _Layout:
    """Line ranges ([start, end), 0-based) of a grants file's top-level entries and grants."""

    top: dict[str, tuple[int, int]]
    grants: list[tuple[int, int]] | None  # None: not a block list of grants (empty, flow, absent)


def _last_line(node: Any) -> int:
    """The last line holding part of a node (its comments aside)."""
    import yaml  # PyYAML's composer gives exact marks, and only marks are needed

    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark
        return end.line if end.column > 0 or end.line == node.start_mark.line else end.line - 1
    if isinstance(node, yaml.SequenceNode):
        if node.flow_style:
            return int(node.end_mark.line)
        return max((_last_line(item) for item in node.value), default=int(node.start_mark.line))
    if isinstance(node, yaml.MappingNode):
        if node.flow_style:
            return int(node.end_mark.line)
        return max((_last_line(value) for _, value in node.value), default=int(node.start_mark.line))
    return int(node.start_mark.line)


def _layout(text: str) -> _Layout | None:
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    top: dict[str, tuple[int, int]] = {}
    grants: list[tuple[int, int]] | None = None
    for key, value in root.value:
        top[str(key.value)] = (key.start_mark.line, _last_line(value) + 1)
        if key.value == "grants" and isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
            grants = [(item.start_mark.line, _last_line(item) + 1) for item in value.value]
            lines = text.splitlines()
            if any(not lines[start].lstrip(" ").startswith("-") for start, _ in grants):
                return None  # `-` alone on its line: the entry's lines are not where its node starts
            top["grants"] = (key.start_mark.line, key.start_mark.line + 1)
    return _Layout(top, grants)


def splice(original: str, dumped: str, before: _Entries, after: _Entries) -> str:
    """The original text with only the changed entries' lines taken from `dumped`; `dumped` itself when
    the file's shape is one this cannot follow (the edit is then still right, only less tidy)."""
    if before == after:
        return original
    old, new = _layout(original), _layout(dumped)
    if old is None or new is None:
        return _with_line_ending(dumped, original)
    old_lines = original.splitlines(keepends=True)
    new_lines = dumped.splitlines(keepends=True)
    ending = "\r\n" if original.partition("\n")[0].endswith("\r") else "\n"

    def taken(start: int, end: int) -> list[str]:
        return [line.rstrip("\r\n") + ending for line in new_lines[start:end]]

    edits: list[tuple[int, int, list[str]]] = []  # (start, end, lines) on the original, no overlaps
    (old_top, old_grants), (new_top, new_grants) = before, after
    whole_grants = old.grants is None or new.grants is None
    previous_end = 0
    for key, (start, end) in new.top.items():
        if key == "grants" and whole_grants:
            end = (new.grants[-1][1] if new.grants else end)
            replace_as_key = True
        else:
            replace_as_key = key != "grants" and old_top.get(key) != new_top.get(key)
        place = old.top.get(key)
        if key == "grants" and whole_grants and place is not None:
            place = (place[0], old.grants[-1][1] if old.grants else place[1])
        if place is None:
            edits.append((previous_end, previous_end, taken(start, end)))
        elif replace_as_key:
            edits.append((place[0], place[1], taken(start, end)))
        if place is not None:
            previous_end = old.grants[-1][1] if key == "grants" and old.grants else place[1]
    for key, place in old.top.items():
        if key not in new.top:
            edits.append((place[0], place[1], []))
    if not whole_grants and old.grants is not None and new.grants is not None:
        matcher = difflib.SequenceMatcher(None, old_grants, new_grants, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            lines = [line for start, end in new.grants[j1:j2] for line in taken(start, end)]
            if i2 - i1 == j2 - j1:  # one for one: each grant in its own place, the comments between kept
                edits += [(old.grants[i][0], old.grants[i][1], taken(*new.grants[j]))
                          for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            elif i1 < i2:  # the new grants where the first old one was; the rest go, their gaps stay
                edits += [(old.grants[i][0], old.grants[i][1], lines if i == i1 else []) for i in range(i1, i2)]
            else:
                at = old.grants[i1 - 1][1] if i1 > 0 else old.grants[0][0]
                edits.append((at, at, lines))
    result = list(old_lines)
    for start, end, lines in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        if lines and start > 0 and start == len(result) and not result[-1].endswith("\n"):
            result[-1] += ending
        result[start:end] = lines
    return "".join(result)


def _with_line_ending(dumped: str, original: str) -> str:
    """`dumped` in the original's line ending (its first line's)."""
    if original.partition("\n")[0].endswith("\r"):
        return dumped.replace("\r\n", "\n").replace("\n", "\r\n")
    return dumped
