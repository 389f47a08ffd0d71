"""The plan and the run, as text (a terminal, the pull request's comment) and as JSON.

These are the only places apply names people: employee numbers and display names, as the access diff
on the pull request does. Nothing else apply prints says who.
"""

from __future__ import annotations

from typing import Any

from rolebook.apply.execute import Outcome
from rolebook.apply.guard import Verdict
from rolebook.apply.plan import Plan


def plan_text(plan: Plan, verdict: Verdict) -> str:
    counts = plan.counts()
    lines = [f"Plan for {plan.target.removeprefix('scim ')}"
             + (f" (commit {plan.commit[:12]})" if plan.commit else "") + ":",
             f"  users:   {counts['create_users']} to create, {counts['update_users']} to update, "
             f"{counts['deactivate_users']} to deactivate",
             f"  groups:  {counts['create_groups']} to create",
             f"  members: {counts['add_members']} to add, {counts['remove_members']} to remove"]
    if plan.skipped:
        lines.append(f"  left alone: {len(plan.skipped)} (not created by Rolebook)")
    lines.append("")
    for change in plan.create_users:
        state = "" if change.user and change.user.active else " (inactive)"
        lines.append(f"+ user {change.employee} {change.display_name}{state}")
    for change in plan.update_users:
        what = ", ".join(f"{a} {now!r} -> {wanted!r}" for a, now, wanted in change.changes)
        lines.append(f"~ user {change.employee} {change.display_name}: {what}")
    for change in plan.deactivate_users:
        lines.append(f"- user {change.employee} {change.display_name}: deactivate"
                     + (f" ({change.reason})" if change.reason else ""))
    for name in plan.create_groups:
        lines.append(f"+ group {name}")
    for member in plan.add_members:
        lines.append(f"+ member {member.employee} {member.display_name} -> {member.group}")
    for member in plan.remove_members:
        lines.append(f"- member {member.employee} {member.display_name} <- {member.group}")
    for skipped in plan.skipped:
        lines.append(f"! {skipped.kind} {skipped.key} left alone: {skipped.reason}")
    if plan.empty:
        lines.append("No changes: the service provider matches the repository.")
    lines += ["", guard_text(verdict)]
    return "\n".join(lines).rstrip() + "\n"


def guard_text(verdict: Verdict) -> str:
    if not verdict.over:
        return f"Removal guard: within {verdict.allowed_share:.0%} everywhere."
    lines = []
    for excess in verdict.over:
        place = "the district" if excess.scope == "district" else f"location {excess.scope}"
        state = "acknowledged" if excess.acknowledged else "NOT acknowledged"
        lines.append(f"Removal guard: {place} loses {excess.removed} of {excess.total} memberships "
                     f"({excess.share:.0%}, more than {verdict.allowed_share:.0%}), {state}.")
    if verdict.stops:
        lines.append("Apply stops here and changes nothing. If the removal is intended, acknowledge it: "
                     "`acknowledge_removals: <why>` in the location's grants file (approved in its pull "
                     "request), or `rolebook apply --acknowledge-removals CODE|district`.")
    return "\n".join(lines)


def outcome_text(outcome: Outcome) -> str:
    lines = [f"Applied: {len(outcome.done)} change(s) made, {len(outcome.failed)} failed, "
             f"{len(outcome.not_attempted)} not attempted; result {outcome.result}."]
    lines += [f"  failed: {line}" for line in outcome.failed]
    lines += [f"  not attempted: {line}" for line in outcome.not_attempted]
    if outcome.stopped_by:
        lines.append(f"The server failed ({outcome.stopped_by}); the run stopped. "
                     "Run apply again: it plans from what the server holds and finishes the job.")
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, verdict: Verdict) -> dict[str, Any]:
    def user(change: Any) -> dict[str, Any]:
        return {"employee": change.employee, "display_name": change.display_name,
                "changes": [{"attribute": a, "now": now, "wanted": wanted} for a, now, wanted in change.changes],
                **({"active": change.user.active} if change.user else {}),
                **({"reason": change.reason} if change.reason else {})}

    return {
        "target": plan.target.removeprefix("scim "), "commit": plan.commit, "changes": not plan.empty,
        "counts": plan.counts(),
        "users": {"create": [user(c) for c in plan.create_users], "update": [user(c) for c in plan.update_users],
                  "deactivate": [user(c) for c in plan.deactivate_users]},
        "groups": {"create": plan.create_groups},
        "members": {kind: [{"group": m.group, "employee": m.employee, "display_name": m.display_name}
                           for m in members]
                    for kind, members in (("add", plan.add_members), ("remove", plan.remove_members))},
        "left_alone": [{"kind": s.kind, "key": s.key, "reason": s.reason} for s in plan.skipped],
        "guard": {"allowed_share": verdict.allowed_share, "stops": verdict.stops,
                  "over": [{"scope": e.scope, "removed": e.removed, "total": e.total,
                            "acknowledged": e.acknowledged} for e in verdict.over]},
    }


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {"result": outcome.result, "done": outcome.done, "failed": outcome.failed,
            "not_attempted": outcome.not_attempted, "stopped_by": outcome.stopped_by}
