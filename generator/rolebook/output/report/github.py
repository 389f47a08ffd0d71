"""`--format github`: workflow commands, so each finding shows on the pull request at its line.

Escaping as GitHub's runner reads it: in the message `%` -> %25, CR -> %0D, LF -> %0A; in properties
(file, title) also `:` -> %3A and `,` -> %2C.
"""

from __future__ import annotations

from rolebook.model.findings import Finding
from rolebook.output.report import Validation, rule_names


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    lines.append(("ok: " if not result.blocking else "failed: ") + result.summary_line())
    return "\n".join(lines)
