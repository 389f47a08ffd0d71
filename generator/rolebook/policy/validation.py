"""What `rolebook validate` found: the result every output format renders (`rolebook.output.report`).

It lives with the policy, below the output layer, because pull-request mode (`policy.pull_request`)
builds it; the formats only read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rolebook.facts.diff import AccessChange
from rolebook.model.findings import Finding
from rolebook.policy.check import Report
from rolebook.policy.request_checks import RequestCheck


@dataclass
class Validation:
    """What `rolebook validate` found, and in pull-request mode, what the change does."""

    report: Report
    today: dt.date
    base: str | None = None  # the ref given with --base
    base_sha: str | None = None
    scope: set[str] | None = None  # locations re-checked in pull-request mode; None: everything
    access_diff: list[AccessChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things a reader should know (base not loadable...)
    request_checks: list[RequestCheck] = field(default_factory=list)  # facts about each access gained

    @property
    def pull_request(self) -> bool:
        return self.base is not None

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def preexisting(self) -> list[Finding]:
        return self.report.preexisting

    @property
    def blocking(self) -> list[Finding]:
        """Errors that fail the check: in pull-request mode only the change's new errors."""
        return self.report.errors

    def summary(self) -> dict[str, object]:
        return {
            **self.report.summary(),
            "mode": "pull-request" if self.pull_request else "full",
            "base": self.base,
            "base_sha": self.base_sha,
            "checked_locations": sorted(self.scope) if self.scope is not None else None,
            "access_changes": len(self.access_diff),
            "today": self.today.isoformat(),
            "ok": not self.blocking,
        }

    def summary_line(self) -> str:
        counts = self.report.counts()
        parts = [_count(counts["error"], "error"), _count(counts["warning"], "warning"),
                 _count(counts["notice"], "notice")]
        files = len({f.file for f in self.findings})
        new = " (new)" if self.pull_request else ""
        text = f"{', '.join(parts)}{new} in {_count(files, 'file')}"
        if self.pull_request:
            text += f"; {len(self.preexisting)} pre-existing (not blocking)"
            text += f"; {_count(len(self.access_diff), 'access change')}"
        return text


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
