"""Validation results and their formats: text for people, JSON (a public contract), GitHub workflow
commands for annotations on the pull request, and Markdown for the job summary.

The result itself, `Validation`, is built by the policy layer (`rolebook.policy.validation`); the formats
here only render it.
"""

from __future__ import annotations

from rolebook.model.findings import Severity
from rolebook.policy.rules import all_rules
from rolebook.policy.validation import Validation


def rule_names() -> dict[str, str]:
    return {rule.code: rule.name for rule in all_rules()}


SEVERITY_ORDER = [s.value for s in Severity]

__all__ = ["SEVERITY_ORDER", "Validation", "rule_names"]
