"""Run the policy rules over a repository and collect their findings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from rolebook import forked
from rolebook.findings import Finding, Severity
from rolebook.gcpause import collector_paused
from rolebook.loading import Repository
from rolebook.rules import Context, Rule, all_rules

# From this many grant entries in scope, the rules run in two processes (`rolebook.forked`).
PARALLEL_RULES_GRANTS = 20_000


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
              base: Repository | None = None) -> Report:
    # The rules build large indexes that hold no cycles; they are freed (with the context) before the
    # collector runs again, so it never walks them.
    with collector_paused():
        findings = _findings(Context(repo=repo, today=today, scope=scope, base=base))
    findings.sort(key=lambda f: (f.file, f.line, f.severity.rank, f.code))
    return Report(findings=findings)


def _findings(context: Context) -> list[Finding]:
    settings = context.repo.policy.rules
    checks: list[Callable[[], list[Finding]]] = []
    for rule_class in all_rules():
        setting = settings.get(rule_class.code)
        if setting is not None and setting.severity == "off":
            continue
        severity = Severity(setting.severity) if setting is not None and setting.severity else None
        checks.append(partial(_check, rule_class(context, severity)))
    # Each rule only reads the repository: at district scale they share two processes. The findings
    # come back in rule order either way, so the report is the same.
    large = sum(len(record.model.grants) for record in context.records()) >= PARALLEL_RULES_GRANTS
    per_rule = forked.run_shared(checks) if forked.wanted(large) else [check() for check in checks]
    return [finding for found in per_rule for finding in found]


def _check(rule: Rule) -> list[Finding]:
    return list(rule.check())
