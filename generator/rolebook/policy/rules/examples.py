"""PASS and FAIL examples written in rule docstrings, as yamllint does.

An example is a directive followed by an indented YAML mapping of repository-relative paths to file
text, laid over a small test repository::

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants: []

A path mapped to null deletes that file. The key `base` holds files for the base revision of a pull
request (laid over the same small repository), for rules that compare a change with its base.
The test suite runs every example; the site renders them. Both read them from here.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import yaml

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. rule-example::[ \t]*(?P<kind>pass|fail)[ \t]*(?P<title>.*)$")


@dataclass(frozen=True)
class RuleExample:
    kind: str  # "pass" or "fail"
    files: dict[str, str | None]
    base_files: dict[str, str | None] | None = None
    title: str = ""
    source: str = field(default="", compare=False)  # the example's YAML as written, for rendering


class ExampleError(ValueError):
    """A docstring example that cannot be read: a bug in the rule's documentation."""


def split_doc(doc: str) -> tuple[str, list[RuleExample]]:
    """The prose of a docstring (examples removed) and its examples, in order."""
    lines = doc.splitlines()
    prose: list[str] = []
    examples: list[RuleExample] = []
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if not match:
            prose.append(lines[i])
            i += 1
            continue
        indent = len(match.group("indent"))
        block: list[str] = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or _indent_of(lines[i]) > indent):
            block.append(lines[i])
            i += 1
        examples.append(_parse(match.group("kind"), match.group("title").strip(), block))
    return "\n".join(prose).rstrip() + "\n", examples


def examples_of(doc: str) -> list[RuleExample]:
    return split_doc(doc)[1]


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _parse(kind: str, title: str, block: list[str]) -> RuleExample:
    source = textwrap.dedent("\n".join(block)).strip("\n") + "\n"
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise ExampleError(f"rule example is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise ExampleError("a rule example must be a mapping of file paths to file text")
    base = data.pop("base", None)
    if base is not None and not isinstance(base, dict):
        raise ExampleError("'base' in a rule example must be a mapping of file paths to file text")
    return RuleExample(kind, _files(data), _files(base) if base is not None else None, title, source)


def _files(data: dict[object, object]) -> dict[str, str | None]:
    files: dict[str, str | None] = {}
    for path, text in data.items():
        if not isinstance(path, str) or (text is not None and not isinstance(text, str)):
            raise ExampleError(f"rule example entry {path!r} must map a path to text (use '|') or null")
        files[path] = text
    return files
