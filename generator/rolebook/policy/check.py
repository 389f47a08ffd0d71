"""Run the policy rules over a repository and collect their findings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from rolebook.infra.gcpause import collector_paused
from rolebook.loading import Repository
from rolebook.model.findings import Finding, Severity
from rolebook.policy.rules import Context, Rule, all_rules


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    # In pull-request mode: the findings that were already there on the base branch.
    preexisting: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    def counts(self) -> dict[str, int]:
        counted = Counter(f.severity.value for f in self.findings)
        return {s.value: counted.get(s.value, 0) for s in Severity}

    def summary(self) -> dict[str, object]:
        return {
            **self.counts(),
            "files": len({f.file for f in self.findings}),
            "preexisting": len(self.preexisting),
        }


def run_rules(repo: Repository, today: dt.date, *, scope: set[str] | None = None,
              base: Repository | None = None, codes: Collection[str] | None = None) -> Report:
    """Every rule the policy does not turn off (only those of `codes`, if given) over `repo`."""
    # The rules build large indexes that hold no cycles; they are freed (with the context) before the
    # collector runs again, so it never walks them.
    with collector_paused():
        findings = _findings(Context(repo=repo, today=today, scope=scope, base=base), codes)
    findings.sort(key=lambda f: (f.file, f.line, f.severity.rank, f.code))
    return Report(findings=findings)


def selected_rules(repo: Repository) -> list[tuple[type[Rule], Severity | None]]:
    """Every rule the repository's policy does not turn off, with the severity the policy gives it
    (None: the rule's own). What runs, and what pull-request mode reads data for (`Rule.needs`)."""
    settings = repo.policy.rules
    selected: list[tuple[type[Rule], Severity | None]] = []
    for rule_class in all_rules():
        setting = settings.get(rule_class.code)
        if setting is not None and setting.severity == "off":
            continue
        selected.append((rule_class, Severity(setting.severity) if setting is not None and setting.severity else None))
    return selected


def _findings(context: Context, codes: Collection[str] | None) -> list[Finding]:
    findings: list[Finding] = []
    for rule_class, severity in selected_rules(context.repo):
        if codes is None or rule_class.code in codes:
            findings.extend(rule_class(context, severity).check())
    return findings
