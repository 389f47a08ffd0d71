"""RB601: .github/CODEOWNERS says what the data says."""

from __future__ import annotations

from collections.abc import Iterable

from rolebook.facts.ownership import CODEOWNERS_PATH, generate_codeowners
from rolebook.model.findings import Finding, Severity
from rolebook.policy.rules.base import Rule, register


@register
class CodeownersCurrent(Rule):
    """GitHub asks for reviews from .github/CODEOWNERS, which `rolebook codeowners` writes from the data:
    each school's folder to its principal, each office's to its approver group, roles and policy to the
    access administrators. When a principal changes and the file is not regenerated, GitHub asks the
    wrong person, or nobody. Fix: run `rolebook codeowners` and commit `.github/CODEOWNERS`.

    Repositories without a `.github` folder (no GitHub hosting) are not checked.
    """

    code = "RB601"
    name = "codeowners-current"
    severity = Severity.error
    summary = ".github/CODEOWNERS is generated from the data and must be current."
    sources = ("000",)
    local = False

    def check(self) -> Iterable[Finding]:
        root = self.context.repo.root
        target = root / CODEOWNERS_PATH
        if not (root / ".github").is_dir() and not target.exists():
            return
        expected = generate_codeowners(self.context.repo, self.context.today)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == expected:
            return
        if current is None:
            yield self.finding(CODEOWNERS_PATH, 1, f"{CODEOWNERS_PATH} is missing",
                               "run `rolebook codeowners` and commit the file", key=("missing",))
            return
        have, want = current.splitlines(), expected.splitlines()
        line = next((i + 1 for i, (a, b) in enumerate(zip(have, want, strict=False)) if a != b),
                    min(len(have), len(want)) + 1)
        detail = want[line - 1] if line <= len(want) else "(no more lines)"
        yield self.finding(CODEOWNERS_PATH, line,
                           f"{CODEOWNERS_PATH} is out of date with the data; line {line} should be: {detail}",
                           "run `rolebook codeowners` and commit the file", key=("stale",))
