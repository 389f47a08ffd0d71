"""PASS and FAIL examples written in rule docstrings, as yamllint does.

An example is a directive followed by an indented YAML mapping of repository-relative paths to file
text, laid over a small test repository::

    .. rule-example:: fail
       access/schools/100/grants.yaml: |
         location: "100"
         grants: []

A path mapped to null deletes that file. The key `base` holds files for the base revision of a pull
request (laid over the same small repository), for rules that compare a change with its base.
The test suite runs every example; the site and `rolebook rules` show them. All of them read them here,
so an example the site publishes is one the tests run. A kind other than `pass` or `fail` (a typo such
as `fial`) is an ExampleError naming the rule's source file and the line, never an example read as prose
or published as passing.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from rolebook.policy.rules.base import Rule

KINDS = ("pass", "fail")
# Any word after the directive: the kind is checked below, so a misspelt one is an error, not prose.
_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+rule-example::(?P<rest>.*)$")


@dataclass(frozen=True)
class RuleExample:
    kind: str  # one of KINDS: "pass" or "fail"
    files: dict[str, str | None]
    base_files: dict[str, str | None] | None = None
    title: str = ""
    source: str = field(default="", compare=False)  # the example's YAML as written, for rendering


class ExampleError(ValueError):
    """A docstring example that cannot be read: a bug in the rule's documentation."""


def doc_parts(doc: str, rule: type | None = None) -> list[str | RuleExample]:
    """A docstring in order: its prose (text between examples, possibly empty) and its examples.

    `rule`, the class the docstring belongs to, lets an error name the file and line it was written at.
    """
    return ["\n".join(part) if isinstance(part, list) else part for part in _walk(doc, rule)]


def split_doc(doc: str, rule: type | None = None) -> tuple[str, list[RuleExample]]:
    """The prose of a docstring (examples removed) and its examples, in order."""
    parts = _walk(doc, rule)
    prose = [line for part in parts if isinstance(part, list) for line in part]
    return "\n".join(prose).rstrip() + "\n", [part for part in parts if isinstance(part, RuleExample)]


def examples_of(doc: str, rule: type | None = None) -> list[RuleExample]:
    return split_doc(doc, rule)[1]


def rule_examples(rule: type[Rule]) -> list[RuleExample]:
    """The examples of a rule class, an error naming its file and line."""
    return examples_of(rule.doc(), rule)


def _walk(doc: str, rule: type | None) -> list[list[str] | RuleExample]:
    lines = doc.splitlines()
    parts: list[list[str] | RuleExample] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if not match:
            prose.append(lines[i])
            i += 1
            continue
        start, indent = i, len(match.group("indent"))
        kind, _, title = match.group("rest").strip().partition(" ")
        block: list[str] = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or _indent_of(lines[i]) > indent):
            block.append(lines[i])
            i += 1
        try:
            if kind not in KINDS:
                raise ExampleError(f"unknown rule-example kind {kind!r}: write `.. rule-example:: pass` or "
                                   "`.. rule-example:: fail`")
            example = _parse(kind, title.strip(), block)
        except ExampleError as exc:
            raise ExampleError(f"{_where(rule, lines, start)}: {exc}") from exc
        parts += [prose, example]
        prose = []
    parts.append(prose)
    return parts


def _where(rule: type | None, lines: list[str], index: int) -> str:
    """file:line of docstring line `index` (as inspect.cleandoc gives it) in the rule's source."""
    if rule is None:
        return f"docstring line {index + 1}"
    name = f"{rule.__module__}.{rule.__qualname__}"
    try:
        file = inspect.getsourcefile(rule) or name
        source, first = inspect.getsourcelines(rule)
    except (OSError, TypeError):
        return f"{name}, docstring line {index + 1}"
    wanted = lines[index].strip()
    earlier = sum(1 for line in lines[:index] if line.strip() == wanted)  # the same line written before
    for offset, line in enumerate(source):
        if line.strip() == wanted:
            if earlier == 0:
                return f"{file}:{first + offset}"
            earlier -= 1
    return f"{file}:{first}"


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
