"""The data cannot be loaded: every problem at its file and line, in each of `validate`'s formats.

A clerk's most common mistakes (an unquoted employee number, a typo in a field name) stop the load, so
they must show on the pull request like any finding: in `--format github` each is an annotation at its
line on stdout, and the job summary lists them. Problems the base already had are listed apart: they are
not the change's fault and do not block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rolebook.loading.errors import LoadError
from rolebook.output.markdown_text import code_span, markdown_text
from rolebook.output.report.github_annotations import escape_data, escape_property, log_line

TITLE = "LOAD the data cannot be loaded"


def _headline(new: Sequence[LoadError], base: str | None) -> str:
    files = len({e.file for e in new})
    brought = " that this change brings" if base else ""
    return f"{len(new)} problem(s) in {files} file(s){brought}: the data cannot be loaded."


def text(new: Sequence[LoadError], old: Sequence[LoadError], base: str | None) -> str:
    """For a terminal (stderr); each line safe in a workflow log too."""
    lines = [log_line(line) for error in new for line in error.format().splitlines()]
    lines += ["", log_line(_headline(new, base))]
    if old:
        lines.append(log_line(f"{len(old)} more already on {base} (not blocking): "
                              + ", ".join(sorted({e.file for e in old}))))
    return "\n".join(lines)


def github(new: Sequence[LoadError], old: Sequence[LoadError], base: str | None) -> str:
    """Workflow commands: an error annotation per problem, a notice per problem already on the base."""

    def command(error: LoadError, level: str, title: str) -> str:
        message = error.message + (f"\nFix: {error.hint}" if error.hint else "")
        return (f"::{level} file={escape_property(error.file)},line={error.line},col={error.column},"
                f"title={escape_property(title)}::{escape_data(message)}")

    lines = [command(e, "error", TITLE) for e in new]
    lines += [command(e, "notice", f"{TITLE} (already on {base})") for e in old]
    lines.append(log_line("failed: " + _headline(new, base)))
    return "\n".join(lines)


def as_json(new: Sequence[LoadError], old: Sequence[LoadError], base: str | None) -> str:
    def item(error: LoadError) -> dict[str, object]:
        return {"file": error.file, "line": error.line, "column": error.column, "message": error.message,
                "hint": error.hint}

    return json.dumps({"loaded": False, "blocking": True, "base": base, "load_errors": [item(e) for e in new],
                       "preexisting_load_errors": [item(e) for e in old]}, indent=2, ensure_ascii=False)


def markdown(new: Sequence[LoadError], old: Sequence[LoadError], base: str | None) -> str:
    """The job summary (and `--format markdown`): a table of the problems, data escaped."""

    def table(errors: Sequence[LoadError]) -> list[str]:
        rows = ["| where | problem | fix |", "| --- | --- | --- |"]
        rows += [f"| {code_span(f'{e.file}:{e.line}:{e.column}')} | {markdown_text(e.message)} | "
                 f"{markdown_text(e.hint)} |" for e in errors]
        return rows

    lines = ["## Rolebook: the data cannot be loaded", "", markdown_text(_headline(new, base)), "", *table(new)]
    if old:
        lines += ["", f"Already on {markdown_text(base or 'the base')} (not blocking):", "", *table(old)]
    return "\n".join(lines) + "\n"
