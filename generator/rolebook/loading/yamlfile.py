"""Safe, fast YAML parsing with exact positions for the files that need them.

The fast path parses with `yaml-rs` (Rust, YAML 1.2, refuses duplicate keys). It does not tell where a
value stands, so positions come from PyYAML's `compose()` (node marks only, never object construction),
run only for a file that has something to report. A cheap text scan decides which files could hold
the constructs we refuse (tags, anchors and aliases, YAML 1.1 booleans); only those are tokenised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from rolebook.loading.errors import LoadError

MAX_FILE_BYTES = 64 * 1024 * 1024

try:  # The C loader is much faster at composing; the pure-Python one gives the same marks.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# Characters that can only start a tag (!), anchor (&) or alias (*) outside quotes, and the plain
# scalars YAML 1.1 reads as booleans. A hit is only a suspicion: the tokenizer confirms it.
_SUSPECT = re.compile(
    rb"(?:^|[\s\[{,:-])[!&*]|[:\-,\[{][ \t]*(?:yes|no|on|off|y|n)[ \t]*(?:#|$|[,\]}])",
    re.IGNORECASE | re.MULTILINE,
)
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


@dataclass
class ParsedFile:
    path: Path
    display: str
    text: str
    data: Any = None
    errors: list[LoadError] = field(default_factory=list)
    _root: yaml.Node | None = None

    # ------------------------------------------------------------------ positions
    def root(self) -> yaml.Node | None:
        if self._root is None:
            try:
                self._root = yaml.compose(self.text, Loader=_Loader)
            except yaml.YAMLError:
                return None
        return self._root

    def locate(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """1-based line and column of the value at `path`; the nearest existing parent if it is absent."""
        node = self.root()
        if node is None:
            return (1, 1)
        best = node.start_mark
        for step in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == step:
                        best, node = key.start_mark, value
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                best = node.start_mark
            else:
                break
        return (best.line + 1, best.column + 1)

    def error(self, path: tuple[str | int, ...], message: str, hint: str = "") -> LoadError:
        line, column = self.locate(path)
        return LoadError(self.display, line, column, message, hint)


def read_yaml(path: Path, display: str, *, max_bytes: int = MAX_FILE_BYTES) -> ParsedFile:
    """Parse one file. Problems are collected on the result, never raised."""
    parsed = ParsedFile(path=path, display=display, text="")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            parsed.errors.append(LoadError(
                display, 1, 1, f"file is {size:,} bytes, over the limit of {max_bytes:,}",
                "split it into smaller files; a grants file holds one school or office",
            ))
            return parsed
        raw = path.read_bytes()
    except OSError as exc:
        parsed.errors.append(LoadError(display, 1, 1, f"cannot read file: {exc.strerror}"))
        return parsed
    try:
        parsed.text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        parsed.errors.append(LoadError(display, line, 1, "file is not UTF-8 text", "save the file as UTF-8"))
        return parsed
    if _SUSPECT.search(raw):
        parsed.errors.extend(_refused_constructs(parsed))
        if parsed.errors:
            return parsed
    try:
        parsed.data = yaml_rs.loads(parsed.text)
    except yaml_rs.YAMLDecodeError as exc:
        parsed.errors.append(_decode_error(parsed, str(exc)))
        return parsed
    except (RecursionError, MemoryError, ValueError) as exc:
        parsed.errors.append(LoadError(display, 1, 1, f"YAML cannot be read safely: {exc}"))
    return parsed


def _refused_constructs(parsed: ParsedFile) -> list[LoadError]:
    """Tags, anchors, aliases and YAML 1.1 booleans, confirmed by PyYAML's tokenizer (no construction)."""
    errors: list[LoadError] = []
    display = parsed.display
    try:
        tokens = list(yaml.scan(parsed.text, Loader=_Loader))
    except yaml.YAMLError:
        return []  # a syntax error: let the parser report it with its own position
    previous: yaml.Token | None = None
    for token in tokens:
        line, column = token.start_mark.line + 1, token.start_mark.column + 1
        if isinstance(token, yaml.TagToken):
            errors.append(LoadError(
                display, line, column, "YAML tags (!something) are not allowed in access data",
                "remove the tag; write plain values, quoting text if needed",
            ))
        elif isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            errors.append(LoadError(
                display, line, column, "YAML anchors and aliases (&name, *name) are not allowed",
                "write each value out in full; aliases can hide what a grant really says",
            ))
        elif (
            isinstance(token, yaml.ScalarToken)
            and token.plain
            and token.value.lower() in _YAML11_BOOLEANS
            and isinstance(previous, (yaml.ValueToken, yaml.BlockEntryToken, yaml.FlowEntryToken,
                                   yaml.FlowSequenceStartToken))
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


def _find_duplicate_key(parsed: ParsedFile, key: str) -> tuple[int, int]:
    root = parsed.root()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value == key and k.value in seen:
                    return (k.start_mark.line + 1, k.start_mark.column + 1)
                seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return (1, 1)
