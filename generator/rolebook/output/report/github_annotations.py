"""`--format github`: workflow commands, so each finding shows on the pull request at its line.

Escaping as GitHub's runner reads it: in the message `%` -> %25, CR -> %0D, LF -> %0A; in properties
(file, title) also `:` -> %3A and `,` -> %2C.

The runner reads every line of a job's output (stdout and stderr) that starts with `::` as a workflow
command. Data from a pull request (a value with a newline, quoted in a message) must never start a line
of its own: in an annotation the message is escaped as above, so it stays on its line; any other line that
quotes data goes through `log_line`, which also breaks `::` (`:%3A`), so a value cannot become
`::warning file=...::`, `::add-mask::` or `::stop-commands::` wherever it ends up.
"""

from __future__ import annotations

from rolebook.model.findings import Finding
from rolebook.output.report import Validation, rule_names


def escape_data(text: str) -> str:
    """A message: one line to the runner, shown as written. Other line breaks (U+2028, vertical tab...)
    are not line ends to the runner, but they are to a reader: shown as %0A too."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return "%0A".join(text.splitlines()) if text else ""


def log_line(text: str) -> str:
    """`text` as one plain line of a workflow's log that no runner reads as a command: line breaks
    (including Unicode's, which `str.splitlines` honours) as %0A, `::` as `:%3A`. Nothing else changes:
    the runner does not unescape a plain line."""
    flat = "%0A".join(text.splitlines()) if text else ""
    while "::" in flat:
        flat = flat.replace("::", ":%3A")
    return flat


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, *, level: str | None = None, suffix: str = "") -> str:
    names = rule_names()
    title = f"{finding.code} {names.get(finding.code, '')}".strip() + suffix
    properties = (f"file={escape_property(finding.file)},line={finding.line},col={finding.column},"
                  f"title={escape_property(title)}")
    message = finding.message + (f"\nFix: {finding.hint}" if finding.hint else "")
    return f"::{level or finding.severity.value} {properties}::{escape_data(message)}"


def render(result: Validation) -> str:
    lines = [command(f) for f in result.findings]
    # Old problems are shown, but as notices: they must not look like this change's fault.
    lines += [command(f, level="notice", suffix=f" (already on {result.base})") for f in result.preexisting]
    lines.append(log_line(("ok: " if not result.blocking else "failed: ") + result.summary_line()))
    return "\n".join(lines)
