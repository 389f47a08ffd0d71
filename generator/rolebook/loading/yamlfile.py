"""Safe, fast YAML parsing with exact positions for the files that need them.

The fast path parses with `yaml-rs` (Rust, YAML 1.2, refuses duplicate keys). It does not tell where a
value stands, so positions come from PyYAML's `compose()` (node marks only, never object construction),
run only for a file that has something to report. A cheap text scan decides which files could hold
the constructs we refuse (tags, anchors and aliases, YAML 1.1 booleans); only those are tokenised.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import yaml_rs

from rolebook.loading.errors import LoadError

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 64 * 1024 * 1024


@functools.cache
def _pyyaml() -> tuple[ModuleType, type]:
    """PyYAML and its loader, imported on first use: only a position on the slow path or a suspicion to
    confirm needs it, and the import is about a hundredth of a second of every command's start."""
    import yaml

    # The C loader is much faster at composing; the pure-Python one gives the same marks.
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters that can only start a tag (!), anchor (&) or alias (*) outside quotes, and the plain
# scalars YAML 1.1 reads as booleans. A hit is only a suspicion: the tokenizer confirms it.
# An anchor or alias has a name: `&` or `*` followed by a space, a flow indicator or the end is never
# one (the tokenizer reads it as text, "Health & Human Services", or stops at a syntax error that the
# parser reports), so it is no suspicion; a tag may be the bare `!`.
_SUSPECT_MARK = re.compile(rb"(?:^|[\s\[{,:-])(?:!|[&*][^\s,\[\]{}])", re.MULTILINE)
# A YAML 1.1 boolean in a value: after an indicator (`:`, `-`, a flow bracket or comma, `?`) or alone at the
# start of a line (a value on the line below its key, a flow list over several lines), and ending the value
# (end of line or file, a comment, a flow comma or bracket; a CR may end the line in CRLF files).
# Case-insensitive by hand: re.IGNORECASE makes the scan about five times slower on a large file.
# The search runs over the text reversed, from where the word ends: each pattern then starts with one
# literal character that the regex engine skips to at memchr speed, where a forward search stops at
# every colon and dash of the file (at 1,000 schools: 0.2 s backwards, 0.45 s forwards).
# `_SUSPECT_REVERSED_WORD` is the six words spelled backwards.
_SUSPECT_REVERSED_WORD = rb"(?:[yY]|[sS][eE][yY]|[nN][oO]?|[oO][nN]|[fF][fF][oO])"
_SUSPECT_BOOLEAN_ENDS = tuple(
    (end, re.compile(re.escape(end) + rb"\r?[ \t]*" + _SUSPECT_REVERSED_WORD + rb"[ \t]*[\n:\-,\[{?]"))
    for end in (b"#", b",", b"]", b"}")
)
_SUSPECT_BOOLEAN_LINE_END = re.compile(rb"\n\r?[ \t]*" + _SUSPECT_REVERSED_WORD + rb"[ \t]*[\n:\-,\[{?]")
# C0 controls other than tab, LF and CR, and DEL: never in text a person typed, and a NUL cuts a file short
# for some readers. Deleted by bytes.translate (a C loop) to tell whether there is any, then found by regex.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible characters that change how text reads (bidi overrides and isolates, zero-width characters, a
# BOM inside the file, C1 controls), by their UTF-8 lead bytes: a cheap `in` test first, a regex only then.
_INVISIBLE = (
    (b"\xe2\x80", re.compile(rb"\xe2\x80[\x8b-\x8f\xa8-\xae]")),
    (b"\xe2\x81", re.compile(rb"\xe2\x81[\xa0-\xa4\xa6-\xaf]")),
    (b"\xef\xbb\xbf", re.compile(rb"\xef\xbb\xbf")),
    (b"\xd8\x9c", re.compile(rb"\xd8\x9c")),
    (b"\xc2", re.compile(rb"\xc2[\x80-\x9f\xad]")),
)
BOM = b"\xef\xbb\xbf"
_LEAD_BYTES = bytes(sorted({lead[0] for lead, _ in _INVISIBLE}))
_UNWATCHED = bytes(byte for byte in range(256) if byte not in _CONTROL_BYTES + _LEAD_BYTES)


def _suspect(raw: bytes) -> bool:
    """Could the file hold a tag, anchor, alias or YAML 1.1 boolean? (memchr first: most files have no !&*)"""
    if (b"!" in raw or b"&" in raw or b"*" in raw) and _SUSPECT_MARK.search(raw):
        return True
    # Reversed, between two newlines: the end of the file ends a line, its start starts one.
    reversed_text = b"\n" + raw[::-1] + b"\n"
    if _SUSPECT_BOOLEAN_LINE_END.search(reversed_text) is not None:
        return True
    return any(end in raw and pattern.search(reversed_text) is not None for end, pattern in _SUSPECT_BOOLEAN_ENDS)


def suspect_file(path: Path) -> bool:
    """`_suspect` for a file on disk; a file that cannot be read is worth a careful look too."""
    try:
        return _suspect(path.read_bytes())
    except OSError:
        return True


# Plain scalars YAML 1.1 reads as booleans (and YAML 1.2 as text): refused in files, quoted by writers.
YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


@dataclass
class ParsedFile:
    path: Path
    display: str
    text: str
    data: Any = None
    errors: list[LoadError] = field(default_factory=list)
    _root: yaml.Node | None = None
    _lines: _LineIndex | None = None
    _lines_unsure: bool = False

    # ------------------------------------------------------------------ positions
    def root(self) -> yaml.Node | None:
        if self._root is None:
            pyyaml, loader = _pyyaml()
            try:
                self._root = pyyaml.compose(self.text, Loader=loader)
            except pyyaml.YAMLError:
                return None
        return self._root

    def locate(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """1-based line and column of the value at `path`; the nearest existing parent if it is absent."""
        if not self._lines_unsure and not self.errors:
            try:
                if self._lines is None:
                    self._lines = _LineIndex(self.text)
                found = self._lines.locate(path)
                if found is not None:
                    return found
            except _Unsure:
                self._lines_unsure = True
        return self.locate_composed(path)

    def locate_composed(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """locate() by PyYAML's compose(): slow on a large file, but it reads any YAML."""
        node = self.root()
        if node is None:
            return (1, 1)
        pyyaml, _ = _pyyaml()
        best = node.start_mark
        for step in path:
            if isinstance(node, pyyaml.MappingNode):
                for key, value in node.value:
                    if key.value == step:
                        best, node = key.start_mark, value
                        break
                else:
                    break
            elif isinstance(node, pyyaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                best = node.start_mark
            else:
                break
        return (best.line + 1, best.column + 1)

    def error(self, path: tuple[str | int, ...], message: str, hint: str = "") -> LoadError:
        line, column = self.locate(path)
        return LoadError(self.display, line, column, message, hint)


def read_yaml(path: Path, display: str, *, max_bytes: int = MAX_FILE_BYTES, scan: bool = True) -> ParsedFile:
    """Parse one file. Problems are collected on the result, never raised.

    scan=False skips the search for refused constructs: only for a caller that has that search done
    elsewhere (`prefetch`) and reads the file again with scan=True if it finds something.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _too_large(path, display, size, max_bytes)
        raw = path.read_bytes()
    except OSError as exc:
        parsed = ParsedFile(path=path, display=display, text="")
        parsed.errors.append(LoadError(display, 1, 1, f"cannot read file: {exc.strerror}"))
        return parsed
    return parse_bytes(raw, path, display, max_bytes=max_bytes, scan=scan)


def parse_bytes(raw: bytes, path: Path, display: str, *, max_bytes: int = MAX_FILE_BYTES,
                scan: bool = True) -> ParsedFile:
    """Parse content already in memory (a file, or a blob read from Git) with every check of read_yaml."""
    if len(raw) > max_bytes:
        return _too_large(path, display, len(raw), max_bytes)
    parsed = ParsedFile(path=path, display=display, text="")
    # A byte-order mark some Windows editors write: read past it (positions do not change).
    raw = raw[len(BOM):] if raw.startswith(BOM) else raw
    if problems := _invisible_characters(raw, display):
        parsed.errors.extend(problems)
        return parsed
    try:
        parsed.text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        parsed.errors.append(LoadError(display, line, 1, "file is not UTF-8 text", "save the file as UTF-8"))
        return parsed
    if scan and _suspect(raw):
        parsed.errors.extend(_refused_constructs(parsed))
        if parsed.errors:
            return parsed
    try:
        # Dates stay text: the models read them (pydantic takes ISO dates from text), and plain data
        # can travel between processes by marshal (`prefetch`).
        parsed.data = yaml_rs.loads(parsed.text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError as exc:
        parsed.errors.append(_decode_error(parsed, str(exc)))
    except TypeError:  # a mapping as a key (`? {a: b}`): yaml-rs cannot hash it
        line, column = _complex_key(parsed)
        parsed.errors.append(LoadError(
            display, line, column, "a list or mapping is used as a key",
            "keys are plain names (`key: value`); a line starting with `? ` begins a key, so remove the `?`",
        ))
    except (RecursionError, MemoryError, ValueError) as exc:
        parsed.errors.append(LoadError(display, 1, 1, f"YAML cannot be read safely: {exc}"))
    return parsed


def _invisible_characters(raw: bytes, display: str) -> list[LoadError]:
    """Control characters and invisible formatting characters, each at its line and column."""
    watched = raw.translate(None, _UNWATCHED)  # one C pass: only the bytes that could start a hit remain
    if not watched:
        return []
    hits: list[tuple[int, bytes]] = []
    if watched.translate(None, _LEAD_BYTES):
        hits += [(match.start(), match.group()) for match in _CONTROL.finditer(raw)]
    for lead, pattern in _INVISIBLE:
        if lead[0] in watched and lead in raw:
            hits += [(match.start(), match.group()) for match in pattern.finditer(raw)]
    errors = []
    for offset, found in sorted(hits)[:20]:
        line = raw.count(b"\n", 0, offset) + 1
        column = len(raw[raw.rfind(b"\n", 0, offset) + 1:offset].decode("utf-8", "replace")) + 1
        code = ord(found.decode("utf-8", "replace")) if len(found) > 1 else found[0]
        kind = "a control character" if len(found) == 1 else "an invisible formatting character"
        errors.append(LoadError(
            display, line, column, f"{kind} (U+{code:04X}) is in the file",
            "delete it: it does not show in an editor or a review, yet changes what the file says",
        ))
    return errors


def _too_large(path: Path, display: str, size: int, max_bytes: int) -> ParsedFile:
    parsed = ParsedFile(path=path, display=display, text="")
    parsed.errors.append(LoadError(
        display, 1, 1, f"file is {size:,} bytes, over the limit of {max_bytes:,}",
        "split it into smaller files; a grants file holds one school or office",
    ))
    return parsed


def _refused_constructs(parsed: ParsedFile) -> list[LoadError]:
    """Tags, anchors, aliases and YAML 1.1 booleans, confirmed by PyYAML's tokenizer (no construction)."""
    errors: list[LoadError] = []
    display = parsed.display
    pyyaml, loader = _pyyaml()
    try:
        tokens = list(pyyaml.scan(parsed.text, Loader=loader))
    except pyyaml.YAMLError:
        return []  # a syntax error: let the parser report it with its own position
    previous: yaml.Token | None = None
    for token in tokens:
        line, column = token.start_mark.line + 1, token.start_mark.column + 1
        if isinstance(token, pyyaml.TagToken):
            errors.append(LoadError(
                display, line, column, "YAML tags (!something) are not allowed in access data",
                "remove the tag; write plain values, quoting text if needed",
            ))
        elif isinstance(token, (pyyaml.AnchorToken, pyyaml.AliasToken)):
            errors.append(LoadError(
                display, line, column, "YAML anchors and aliases (&name, *name) are not allowed",
                "write each value out in full; aliases can hide what a grant really says",
            ))
        elif (
            isinstance(token, pyyaml.ScalarToken)
            and token.plain
            and token.value.lower() in YAML11_BOOLEANS
            and isinstance(previous, (pyyaml.ValueToken, pyyaml.BlockEntryToken, pyyaml.FlowEntryToken,
                                   pyyaml.FlowSequenceStartToken))
        ):
            errors.append(LoadError(
                display, line, column,
                f"'{token.value}' is read as true/false by some YAML tools and as text by others",
                f'write true or false for a yes/no field, or quote it ("{token.value}") for text',
            ))
        previous = token
    return errors


_POSITION = re.compile(r"line (\d+), column (\d+)")
_DUPLICATE = re.compile(r"duplicate mapping key: '(.*)'")


def _decode_error(parsed: ParsedFile, message: str) -> LoadError:
    first_line = message.splitlines()[0] if message else "invalid YAML"
    duplicate = _DUPLICATE.search(message)
    if duplicate:
        line, column = _find_duplicate_key(parsed, duplicate.group(1))
        return LoadError(
            parsed.display, line, column, f"duplicate key '{duplicate.group(1)}'",
            "each key may appear once in a mapping; merge the two entries or delete one",
        )
    position = _POSITION.search(message)
    line, column = (int(position.group(1)), int(position.group(2))) if position else (1, 1)
    reason = message.strip().splitlines()[-1].strip() if "\n" in message else first_line
    return LoadError(
        parsed.display, line, column, f"not valid YAML: {reason}",
        "check indentation, colons and closing quotes or brackets near this line",
    )


def _complex_key(parsed: ParsedFile) -> tuple[int, int]:
    """Where the first key that is a list or mapping starts (1, 1 when PyYAML cannot compose the file)."""
    root = parsed.root()
    pyyaml, _ = _pyyaml()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop(0)
        if isinstance(node, pyyaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, pyyaml.ScalarNode):
                    return (key.start_mark.line + 1, key.start_mark.column + 1)
                stack.append(value)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend(node.value)
    return (1, 1)


def _find_duplicate_key(parsed: ParsedFile, key: str) -> tuple[int, int]:
    root = parsed.root()
    pyyaml, _ = _pyyaml()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, pyyaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value == key and k.value in seen:
                    return (k.start_mark.line + 1, k.start_mark.column + 1)
                seen.add(k.value)
                stack.append(v)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend(node.value)
    return (1, 1)


# ------------------------------------------------------------------ fast positions
# compose() builds a node for every scalar, resolving each in Python: tens of seconds for a staff file of
# 75,000 people, for one line number. Files written the usual way (block mappings and sequences, flow
# lists on one line) are read here line by line instead, with the same answer as compose(); anything
# else (multi-line flow collections, complex keys, tabs, several documents) gives None, and compose()
# answers.

_Node = tuple[int, int]  # (index of the line it starts on, column)


class _Unsure(Exception):
    """The layout is one the line reader does not handle: ask compose()."""


class _LineIndex:
    def __init__(self, text: str):
        if "\r" in text or "\ufeff" in text:
            raise _Unsure
        self.lines = text.split("\n")
        self.items: dict[_Node, list[_Node]] = {}
        self.keys: dict[_Node, dict[str, tuple[int, int, str]]] = {}
        for number, line in enumerate(self.lines):
            if line.startswith(("%", "...")) or (line.startswith("---") and number > 0):
                raise _Unsure
            if "\t" in line[: len(line) - len(line.lstrip())]:
                raise _Unsure

    def _content(self, start: int) -> int | None:
        """The index of the first line at or after `start` with content (not blank, not a comment)."""
        lines = self.lines
        for index in range(start, len(lines)):
            stripped = lines[index].lstrip(" ")
            if stripped and not stripped.startswith("#") and not (index == 0 and stripped.startswith("---")):
                return index
        return None

    @staticmethod
    def _indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def root(self) -> _Node | None:
        first = self._content(0)
        return None if first is None else (first, self._indent(self.lines[first]))

    def kind(self, node: _Node) -> str:
        text = self.lines[node[0]][node[1]:]
        if text.startswith("-") and (len(text) == 1 or text[1] in " #"):
            return "sequence"
        if text.startswith("["):
            return "flow-sequence"
        if text.startswith("{"):
            return "flow-mapping"
        if text.startswith("?"):
            raise _Unsure
        if _key(text) is not None:
            return "mapping"
        return "scalar"

    def _block(self, node: _Node) -> Iterator[tuple[int, int]]:
        """(line index, indent) of the content lines after a node's first line that still belong to it."""
        line_index, column = node
        lines = self.lines
        for index in range(line_index + 1, len(lines)):
            line = lines[index]
            stripped = line.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(line) - len(stripped)
            if indent < column:
                return
            yield index, indent

    def mapping_keys(self, node: _Node) -> dict[str, tuple[int, int, str]]:
        """key -> (line index, column, the rest of the line after the colon)."""
        found = self.keys.get(node)
        if found is None:
            found = {}
            line_index, column = node
            candidates = [(line_index, column)]
            candidates += [(i, indent) for i, indent in self._block(node) if indent == column]
            for index, col in candidates:
                text = self.lines[index][col:]
                if text.startswith("-") and (len(text) == 1 or text[1] in " #"):
                    continue  # an indentless sequence under the previous key
                parsed = _key(text)
                if parsed is None:
                    if text.startswith("?"):
                        raise _Unsure
                    continue
                key, rest = parsed
                found.setdefault(key, (index, col, rest))
            self.keys[node] = found
        return found

    def sequence_items(self, node: _Node) -> list[_Node]:
        found = self.items.get(node)
        if found is None:
            line_index, column = node
            starts = [line_index] + [i for i, indent in self._block(node) if indent == column]
            found = []
            for index in starts:
                text = self.lines[index]
                if not (text[column:].startswith("-") and (len(text) == column + 1 or text[column + 1] in " #")):
                    break
                found.append(self._item(index, column))
            self.items[node] = found
        return found

    def _item(self, index: int, column: int) -> _Node:
        """Where the node of a sequence entry `- ...` at (index, column) starts."""
        text = self.lines[index]
        after = column + 1
        rest = text[after:]
        content = rest.lstrip(" ")
        if content and not content.startswith("#"):
            return (index, after + len(rest) - len(content))
        following = self._content(index + 1)
        if following is None or self._indent(self.lines[following]) <= column:
            raise _Unsure  # an empty entry: compose() knows where its null starts
        return (following, self._indent(self.lines[following]))

    def value(self, index: int, column: int, rest: str) -> _Node | None:
        """The node of a key's value: inline after the colon, or the block below; None for a null."""
        content = rest.lstrip(" ")
        if content and not content.startswith("#"):
            line = self.lines[index]
            return (index, len(line) - len(content))
        following = self._content(index + 1)
        if following is None:
            return None
        indent = self._indent(self.lines[following])
        text = self.lines[following][indent:]
        if indent > column or (indent == column and text.startswith("-") and (len(text) == 1 or text[1] in " #")):
            return (following, indent)
        return None

    def flow_items(self, node: _Node) -> list[_Node]:
        """Where each item of a one-line flow list of scalars starts."""
        return [start for start, _end in self._flow(node, "]")]

    def flow_keys(self, node: _Node) -> dict[str, tuple[int, int | None]]:
        """A one-line flow mapping of scalars: key -> (column of the key, column of its value or None)."""
        line_index, _column = node
        text = self.lines[line_index]
        found: dict[str, tuple[int, int | None]] = {}
        for (_, start), end in self._flow(node, "}"):
            parsed = _key(text[start:end].rstrip(" "))
            if parsed is None:
                raise _Unsure
            key, rest = parsed
            content = rest.lstrip(" ")
            item = text[start:end].rstrip(" ")
            found.setdefault(key, (start, start + len(item) - len(content) if content else None))
        return found

    def _flow(self, node: _Node, close: str) -> list[tuple[_Node, int]]:
        line_index, column = node
        text = self.lines[line_index]
        found: list[tuple[_Node, int]] = []
        position = column + 1
        while position < len(text):
            char = text[position]
            if char in " ,":
                position += 1
                continue
            if char == close:
                return found
            start = position
            if char in "\"'":
                end = text.find(char, position + 1)
                if end < 0 or (char == '"' and "\\" in text[position:end]) or text.startswith(char * 2, end):
                    raise _Unsure  # escapes, doubled quotes or a list over several lines: compose() reads them
                position = end + 1
            if text[position:position + 1] in ("[", "{", "&", "*", "!", "#"):
                raise _Unsure
            while position < len(text) and text[position] not in ",[]{}\"'":
                position += 1
            if position < len(text) and text[position] not in ",]}":
                raise _Unsure  # nested collections or quotes inside an item
            found.append(((line_index, start), position))
        raise _Unsure  # the collection goes on over several lines

    def locate(self, path: tuple[str | int, ...]) -> tuple[int, int] | None:
        node = self.root()
        if node is None:
            return None
        best = node
        for step in path:
            kind = self.kind(node)
            if kind == "mapping" and isinstance(step, str):
                entry = self.mapping_keys(node).get(step)
                if entry is None:
                    break
                index, column, rest = entry
                best = (index, column)
                following = self.value(index, column, rest)
                if following is None:
                    break
                node = following
            elif kind == "sequence" and isinstance(step, int):
                items = self.sequence_items(node)
                if not 0 <= step < len(items):
                    break
                best = node = items[step]
            elif kind == "flow-mapping" and isinstance(step, str):
                flow_entry = self.flow_keys(node).get(step)
                if flow_entry is None:
                    break
                key_column, value_column = flow_entry
                best = (node[0], key_column)
                if value_column is None:
                    break
                node = (node[0], value_column)
            elif kind == "flow-sequence" and isinstance(step, int):
                flow = self.flow_items(node)
                if not 0 <= step < len(flow):
                    break
                best = node = flow[step]
            else:
                break
        return (best[0] + 1, best[1] + 1)




def _key(text: str) -> tuple[str, str] | None:
    """A `key: rest` line (from the key on): the key and what follows the colon, or None."""
    if text.startswith('"') or text.startswith("'"):
        quote = text[0]
        end = 1
        while True:
            end = text.find(quote, end)
            if end < 0:
                raise _Unsure
            if quote == "'" and text.startswith("''", end):
                end += 2
                continue
            if quote == '"' and text[end - 1] == "\\":
                end += 1
                continue
            break
        after = text[end + 1:].lstrip(" ")
        if not after.startswith(":") or "\\" in text[:end]:
            if after.startswith(":"):
                raise _Unsure  # escapes in a key: compose() decodes them
            return None
        rest = after[1:]
        if rest and rest[0] not in " \t":
            return None
        return text[1:end].replace("''", "'") if quote == "'" else text[1:end], rest
    colon = text.find(":")
    while colon >= 0 and colon + 1 < len(text) and text[colon + 1] not in " \t":
        colon = text.find(":", colon + 1)
    if colon <= 0:
        return None
    key = text[:colon].rstrip(" \t")
    if "#" in key and " #" in key:
        return None
    if not key or key[0] in "#'\"[]{},&*!|>%@`" or (key[0] == "-" and (len(key) == 1 or key[1] == " ")):
        return None
    return key, text[colon + 1:]
