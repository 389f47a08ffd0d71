"""The removal guard: apply stops before a run that removes too much at once (peribolos's maximum removal delta).

A run may remove at most the policy's share (`apply.max_removal_share`, else `max_removal_share`) of the
memberships Rolebook manages at one location, and of the district's. Beyond it, apply changes nothing
unless the removal is acknowledged:

- in the data, as the mass-removal rule (RB408) asks of the pull request: the location's grants file
  carries an `acknowledge_removals:` text that is new since the last applied commit, so the PR's
  approvers approved it; the district's share is acknowledged when every location losing access is;
- or by the person running apply: `--acknowledge-removals CODE` (a location) or `district`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from rolebook.apply.plan import Plan
from rolebook.loading import Repository

DISTRICT = "district"


@dataclass(frozen=True)
class Excess:
    scope: str  # a location code, or "district"
    removed: int
    total: int
    acknowledged: bool

    @property
    def share(self) -> float:
        return self.removed / self.total if self.total else 1.0


@dataclass
class Verdict:
    allowed_share: float
    over: list[Excess] = field(default_factory=list)

    @property
    def stops(self) -> bool:
        return any(not excess.acknowledged for excess in self.over)


def acknowledged_in_data(head: Repository, base: Repository | None, locations: Collection[str]) -> set[str]:
    """Locations whose grants file carries an `acknowledge_removals:` text that is new since `base`."""
    found = set()
    for code in locations:
        record = head.grants.get(code)
        text = record.model.acknowledge_removals if record else None
        before = base.grants.get(code) if base is not None else None
        if text and (before is None or before.model.acknowledge_removals != text):
            found.add(code)
    return found


def removals_by_location(plan: Plan) -> Counter[str]:
    removed: Counter[str] = Counter()
    for member in plan.remove_members:
        location = plan.group_location.get(member.group)
        if location is not None:
            removed[location] += 1
    return removed


def judge(plan: Plan, repo: Repository, acknowledged: Collection[str]) -> Verdict:
    """Which scopes the plan removes too much of, and whether each is acknowledged (`acknowledged`: codes
    or "district", from the data and the command line together)."""
    settings = repo.policy.apply
    share = settings.max_removal_share if settings.max_removal_share is not None else repo.policy.max_removal_share
    minimum = settings.removal_guard_minimum
    verdict = Verdict(allowed_share=share)
    removed = removals_by_location(plan)
    for code in sorted(removed):
        total = plan.current_by_location.get(code, 0)
        if removed[code] >= minimum and removed[code] > share * total:
            verdict.over.append(Excess(code, removed[code], total, code in acknowledged))
    total_removed = len(plan.remove_members)
    if total_removed >= minimum and total_removed > share * plan.current_total:
        by_data = bool(removed) and all(code in acknowledged for code in removed)
        verdict.over.append(Excess(DISTRICT, total_removed, plan.current_total,
                                   DISTRICT in acknowledged or by_data))
    return verdict
