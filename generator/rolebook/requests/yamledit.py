"""Round-trip edits of grants files with ruamel.yaml: comments, key order and quoting survive."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from rolebook.requests import RequestError


class GrantsDocument:
    """One grants file, loaded for editing. `text()` gives the new file; `original` the old."""

    def __init__(self, path: Path, relative: str, original: str | None = None, location: str | None = None):
        self.path = path
        self.relative = relative
        self.original = original if original is not None else (
            path.read_text(encoding="utf-8") if path.exists() else None)
        self.yaml = YAML(typ="rt")
        self.yaml.preserve_quotes = True
        self.yaml.width = 4096  # never re-wrap a long reason
        if self.original is None:
            self.data: Any = CommentedMap()
            self.data["location"] = DoubleQuotedScalarString(location or path.parent.name)
            self.data["grants"] = CommentedSeq()
            self.yaml.indent(mapping=2, sequence=4, offset=2)
            self.prefix = "# yaml-language-server: $schema=../../../generator/schema/grants.schema.json\n"
            return
        self.prefix = ""
        try:
            _, indent, block_indent = load_yaml_guess_indent(self.original)
            self.data = self.yaml.load(self.original)
        except Exception as exc:  # ruamel raises many kinds; any of them means we cannot edit safely
            raise RequestError(f"{relative}: cannot be edited safely: {exc}") from exc
        if not isinstance(self.data, CommentedMap):
            raise RequestError(f"{relative}: expected a mapping with 'location' and 'grants'")
        # "grants:\n  - employee:" guesses (4, 2): sequences indent 4 with the dash at 2, mappings 2.
        sequence = indent if indent is not None else 2
        offset = block_indent if block_indent is not None else 0
        self.yaml.indent(mapping=max(sequence - offset, 2), sequence=sequence, offset=offset)
        if self.data.get("grants") is None:
            self.data["grants"] = CommentedSeq()

    @property
    def grants(self) -> CommentedSeq:
        grants = self.data["grants"]
        if not isinstance(grants, CommentedSeq):
            raise RequestError(f"{self.relative}: 'grants' is not a list")
        return grants

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return self.prefix + out.getvalue()

    @property
    def changed(self) -> bool:
        return self.text() != (self.original or "")

    # ------------------------------------------------------------------ edits
    def grants_of(self, employee: str) -> list[int]:
        return [i for i, g in enumerate(self.grants) if isinstance(g, dict) and str(g.get("employee")) == employee]

    def location_grant(self, employee: str) -> int | None:
        """The person's active grant scoped to this location, which new roles are added to."""
        for index in self.grants_of(employee):
            grant = self.grants[index]
            if grant.get("scope", "location") == "location" and grant.get("status", "active") == "active":
                return index
        return None

    def add_roles(self, index: int, roles: list[str]) -> list[str]:
        current = self.grants[index].get("roles")
        if not isinstance(current, CommentedSeq):
            raise RequestError(f"{self.relative}: grant {index + 1} has no list of roles")
        added = [r for r in roles if r not in current]
        current.extend(added)
        return added

    def append_grant(self, employee: str, roles: list[str], granted: dt.date, expires: dt.date | None,
                     reason: str | None, verification: str | None) -> None:
        grant = CommentedMap()
        grant["employee"] = DoubleQuotedScalarString(employee)
        role_list = CommentedSeq(roles)
        role_list.fa.set_flow_style()
        grant["roles"] = role_list
        grant["granted"] = granted
        if expires is not None:
            grant["expires"] = expires
        if reason:
            grant["reason"] = reason
        if verification:
            grant["verification"] = verification
        self.grants.append(grant)

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

    def set_expires(self, index: int, expires: dt.date) -> None:
        self.grants[index]["expires"] = expires
