"""The gate's checklist, as Markdown for the pull request and the job summary."""

from __future__ import annotations

from rolebook.approvals.gate import GateResult
from rolebook.output import templates


def render_markdown(result: GateResult) -> str:
    missing = [r for r in result.requirements if not r.satisfied]
    return templates.render_markdown("approvals/checklist.md.j2", result=result, missing=missing)
