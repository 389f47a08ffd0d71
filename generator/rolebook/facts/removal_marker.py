"""The one marker every removal pull request carries, and the open pull requests that hold people.

`hr sync`, `offboard`, `review apply` and `revoke --all` each prepare a change that removes access.
So that nobody is ever in two open removal PRs, whichever command made them, each writes one
machine-readable line in the PR body (and in the commit message, so `gh pr create --fill` carries it):

    <!-- rolebook:removal {"by": "hr-sync", "remove": {"10000003": ["100", "200"]}, "staff": ["10000003"]} -->

`remove` maps each person to the locations (the grants files' location codes) whose grants the PR
removes or narrows; `staff` lists whose staff-directory entry it changes. Each command reads the open
PRs (GitHub's REST "list pull requests" objects) and leaves a person at a location to the open PR
that already holds them there. The marker of earlier versions, `<!-- rolebook:employees 1,2 -->`, is
still read: it holds the person at every location.

This module is the only place that writes or parses the marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = re.compile(r"<!--\s*rolebook:removal\s+(\{.*?\})\s*-->", re.DOTALL)
OLD_MARKER = re.compile(r"<!--\s*rolebook:employees\s+([0-9,\s]*?)\s*-->")
EMPLOYEE = re.compile(r"^[0-9]{8}$")

EVERYWHERE = None  # an old marker's hold: every location


class OpenPRsError(ValueError):
    """The open-PRs file is not what GitHub's API returns."""


@dataclass(frozen=True)
class RemovalMarker:
    """What one removal PR holds: people at locations (None: everywhere), and staff-directory entries."""

    by: str = ""
    remove: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    staff: frozenset[str] = frozenset()

    @property
    def employees(self) -> frozenset[str]:
        return frozenset(self.remove) | self.staff


def write(by: str, remove: Mapping[str, Iterable[str]], staff: Iterable[str] = ()) -> str:
    """The marker line for a PR body or a commit message."""
    data = {"by": by, "remove": {employee: sorted(set(codes)) for employee, codes in sorted(remove.items())},
            "staff": sorted(set(staff))}
    # JSON inside an HTML comment: a '-' before '-' or '>' is escaped, so no code can close it early ('-->').
    text = re.sub(r"-(?=[->])", r"\\u002d", json.dumps(data, ensure_ascii=True))
    return f"<!-- rolebook:removal {text} -->"


def parse(body: str | None) -> RemovalMarker:
    """Every marker in a PR body (new and old form), merged; an unreadable marker holds nobody."""
    text = body or ""
    by = ""
    remove: dict[str, frozenset[str] | None] = {}
    staff: set[str] = set()
    for match in MARKER.finditer(text):
        try:
            data: Any = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        by = by or str(data.get("by") or "")
        for employee, codes in (data.get("remove") or {}).items() if isinstance(data.get("remove"), dict) else ():
            if EMPLOYEE.match(str(employee)) and isinstance(codes, list):
                _hold(remove, str(employee), frozenset(str(code) for code in codes))
        staff.update(str(e) for e in data.get("staff") or [] if EMPLOYEE.match(str(e)))
    for match in OLD_MARKER.finditer(text):
        for part in match.group(1).split(","):
            if part.strip():
                _hold(remove, part.strip(), EVERYWHERE)
                staff.add(part.strip())
    return RemovalMarker(by, remove, frozenset(staff))


def _hold(remove: dict[str, frozenset[str] | None], employee: str, codes: frozenset[str] | None) -> None:
    if employee in remove:
        before = remove[employee]
        remove[employee] = None if before is None or codes is None else before | codes
    else:
        remove[employee] = codes


@dataclass(frozen=True)
class OpenPR:
    number: int
    head_ref: str
    marker: RemovalMarker
    head_sha: str | None = None
    author: str | None = None

    @property
    def employees(self) -> frozenset[str]:
        return self.marker.employees


def pull_request_objects(path: Path) -> list[dict[str, Any]]:
    """The pull request objects of `gh api repos/OWNER/REPO/pulls?state=open` output (a JSON array), each
    checked to carry a number and head.ref; any other shape is refused with the file named."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OpenPRsError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise OpenPRsError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, list):
        raise OpenPRsError(f"{path}: expected a JSON array of pull requests, as GitHub's 'list pull requests' "
                           "gives (gh api \"repos/OWNER/REPO/pulls?state=open&per_page=100\")")
    for index, pr in enumerate(data):
        head = pr.get("head") if isinstance(pr, dict) else None
        if not isinstance(pr, dict) or not isinstance(pr.get("number"), int) or not isinstance(head, dict) \
                or not isinstance(head.get("ref"), str):
            raise OpenPRsError(f"{path}: item {index} has no number and head.ref; pass the API's pull request "
                               "objects unchanged")
    return data


def read_open_prs(path: Path) -> list[OpenPR]:
    """Read `gh api repos/OWNER/REPO/pulls?state=open` output (a JSON array of pull request objects)."""
    found = []
    for pr in pull_request_objects(path):
        head = pr["head"]
        body = pr.get("body")
        sha = head.get("sha") if isinstance(head.get("sha"), str) else None
        user = pr.get("user")
        login = user.get("login") if isinstance(user, dict) and isinstance(user.get("login"), str) else None
        found.append(OpenPR(pr["number"], head["ref"], parse(body if isinstance(body, str) else ""), sha, login))
    return found


@dataclass(frozen=True)
class Holds:
    """Who the open removal PRs hold, and where: the question every removal command asks first."""

    prs: tuple[OpenPR, ...] = ()

    def pr_at(self, employee: str, location: str) -> int | None:
        """The open PR that already removes `employee`'s access at `location`, if any (the lowest number)."""
        for pr in sorted(self.prs, key=lambda p: p.number):
            if employee in pr.marker.remove:
                codes = pr.marker.remove[employee]
                if codes is EVERYWHERE or location in codes:
                    return pr.number
        return None

    def pr_of(self, employee: str) -> int | None:
        """The open PR that holds `employee` anywhere (removal or staff-directory entry), if any."""
        return next((pr.number for pr in sorted(self.prs, key=lambda p: p.number) if employee in pr.employees),
                    None)

    def branches(self) -> set[str]:
        return {pr.head_ref for pr in self.prs}


def holds(open_prs: Iterable[OpenPR]) -> Holds:
    return Holds(tuple(open_prs))
