"""The Markdown job summary (for $GITHUB_STEP_SUMMARY and the pull-request comment)."""

from __future__ import annotations

from rolebook.output.report import Validation, rule_names
from rolebook.output.templates import render_markdown


def render(result: Validation) -> str:
    return render_markdown("validate/summary.md.j2", result=result, names=rule_names(),
                           counts=result.report.counts(), summary_line=result.summary_line())
