"""One pull request per branch, never two for the same person.

The nightly job passes the open pull requests (GitHub's REST shape: number, head.ref, body). The PR
body carries a machine-readable marker of whose access it removes, `<!-- rolebook:employees 1,2 -->`,
so a later run updates the PR on the same branch instead of opening another, and leaves alone anyone
another open PR already handles.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = re.compile(r"<!--\s*rolebook:employees\s+([0-9,\s]*?)\s*-->")


class OpenPRsError(ValueError):
    """The open-PRs file is not what GitHub's API returns."""


@dataclass(frozen=True)
class OpenPR:
    number: int
    head_ref: str
    employees: frozenset[str]
    head_sha: str | None = None


@dataclass
class PRDecision:
    action: str  # "create", "update", "unchanged" or "none"
    number: int | None = None
    others: dict[str, int] = field(default_factory=dict)  # employee -> another open PR handling them


def marker(employees: list[str]) -> str:
    return f"<!-- rolebook:employees {','.join(employees)} -->"


def employees_in(body: str | None) -> set[str]:
    found: set[str] = set()
    for match in MARKER.finditer(body or ""):
        found.update(part.strip() for part in match.group(1).split(",") if part.strip())
    return found


def read_open_prs(path: Path) -> list[OpenPR]:
    """Read `gh api repos/OWNER/REPO/pulls?state=open` output (a JSON array of pull request objects)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OpenPRsError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise OpenPRsError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, list):
        raise OpenPRsError(f"{path}: expected a JSON array of pull requests, as GitHub's 'list pull requests' gives")
    found = []
    for index, pr in enumerate(data):
        head = pr.get("head") if isinstance(pr, dict) else None
        if not isinstance(pr, dict) or not isinstance(pr.get("number"), int) or not isinstance(head, dict) \
                or not isinstance(head.get("ref"), str):
            raise OpenPRsError(f"{path}: item {index} has no number and head.ref; pass the API's pull request "
                               "objects unchanged")
        body = pr.get("body")
        sha = head.get("sha") if isinstance(head.get("sha"), str) else None
        found.append(OpenPR(pr["number"], head["ref"], frozenset(employees_in(body if isinstance(body, str) else "")),
                            sha))
    return found


def others_handling(open_prs: list[OpenPR], branch: str) -> dict[str, int]:
    """Employees already handled by an open PR on another branch -> that PR's number."""
    handled: dict[str, int] = {}
    for pr in sorted(open_prs, key=lambda p: p.number):
        if pr.head_ref != branch:
            for employee in pr.employees:
                handled.setdefault(employee, pr.number)
    return handled


def decide(open_prs: list[OpenPR], branch: str, *, changed: bool, created: bool,
           commit: str | None = None) -> PRDecision:
    """What to do with the PR: the PR's head commit, when GitHub gave it, decides whether it is up to date."""
    ours = next((pr for pr in sorted(open_prs, key=lambda p: p.number) if pr.head_ref == branch), None)
    others = others_handling(open_prs, branch)
    if not changed:
        return PRDecision("none", ours.number if ours else None, others)
    if ours is None:
        return PRDecision("create", None, others)
    if ours.head_sha is not None and commit is not None:
        return PRDecision("unchanged" if ours.head_sha == commit else "update", ours.number, others)
    return PRDecision("update" if created else "unchanged", ours.number, others)
