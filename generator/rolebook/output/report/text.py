"""Text for people: findings grouped by file, with colour on a terminal, and a summary line."""

from __future__ import annotations

from collections.abc import Iterable

import click

from rolebook.model.findings import Finding
from rolebook.output.report import Validation

_COLOURS = {"error": "red", "warning": "yellow", "notice": "cyan"}


def render(result: Validation) -> str:
    lines: list[str] = []
    if result.pull_request:
        lines.append(click.style(f"Pull-request mode: the working tree against {result.base} "
                                 f"({(result.base_sha or '')[:10]})", bold=True))
        if result.scope is not None:
            where = ", ".join(sorted(result.scope)) or "none"
            lines.append(f"Only grants of these locations changed, so only they were re-checked: {where}")
        lines.append("")
    for note in result.notes:
        lines.append(click.style(f"note: {note}", fg="yellow"))
    if result.notes:
        lines.append("")
    if result.pull_request:
        lines.append(click.style("New problems in this change", bold=True, underline=True))
    lines += _grouped(result.findings) or ["  none"]
    if result.pull_request:
        lines.append("")
        lines.append(click.style(f"Already on {result.base} (shown, not blocking this change)",
                                 bold=True, underline=True))
        lines += _grouped(result.preexisting) or ["  none"]
        lines.append("")
        lines.append(click.style("Access changes", bold=True, underline=True))
        lines += _diff_lines(result) or ["  nobody gains or loses access"]
        if result.request_checks:
            lines.append("")
            lines.append(click.style("What the approver should know", bold=True, underline=True))
            lines += [f"  - {c.person_sentence}; {c.count_sentence}." for c in result.request_checks]
    lines.append("")
    ok = not result.blocking
    mark = click.style("✓ ok" if ok else "✗ failed", fg="green" if ok else "red", bold=True)
    lines.append(f"{mark}: {result.summary_line()}")
    return "\n".join(lines)


def _grouped(findings: Iterable[Finding]) -> list[str]:
    lines: list[str] = []
    current: str | None = None
    for finding in sorted(findings, key=lambda f: (f.file, f.line, f.severity.rank, f.code)):
        if finding.file != current:
            if current is not None:
                lines.append("")
            current = finding.file
            lines.append(click.style(finding.file, bold=True))
        severity = click.style(f"{finding.severity.value:<7}", fg=_COLOURS[finding.severity.value])
        lines.append(f"  {finding.line:>4}  {severity}  {finding.code}  {finding.message}")
        if finding.hint:
            lines.append(f"{'':21}{click.style('fix:', dim=True)} {finding.hint}")
    return lines


def _diff_lines(result: Validation) -> list[str]:
    lines = []
    for change in result.access_diff:
        sign = click.style("+", fg="green") if change.change == "added" else click.style("-", fg="red")
        who = f"{change.name} ({change.employee})" if change.name else f"employee {change.employee}"
        modules = ", ".join(change.modules)
        level = change.security_level or "unknown"
        lines.append(f"  {sign} {who} {change.verb} {change.role_name} at {change.location_name} "
                     f"[{level} security; {change.via}]")
        if modules:
            lines.append(f"      modules: {modules}")
    return lines
