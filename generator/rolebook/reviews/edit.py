"""Writing review files: open one from the data, record decisions, complete it, and apply it.

Review files are edited round-trip (ruamel.yaml), so a reviewer's own comments survive `decide`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from rolebook.facts.removal_marker import Holds
from rolebook.facts.resolve import Access
from rolebook.facts.reviewers import is_office, location_review_path
from rolebook.infra.yamledit import GrantChange, GrantsDocument, dump, flow_list, load, quoted, scope_label
from rolebook.loading import Repository
from rolebook.model.files import Grant
from rolebook.model.review import Decision, ReviewFile
from rolebook.reviews.pr_body import BodyDecisions

SCHEMA_HEADER = "yaml-language-server: $schema=../../../../generator/schema/review.schema.json"


class ReviewEditError(Exception):
    """A decision cannot be recorded as asked; the message says why and what to do."""


def via_of(access: Access) -> str:
    if access.via == "cluster":
        return f"cluster {access.cluster}"
    return access.via


def open_review_text(repo: Repository, school: str, period: str, accesses: list[Access],
                     reviewer: str | None) -> str:
    """A new review file listing every grant that reaches `school`, every decision empty. For an office:
    every grant in the office's own file, whatever its scope (its approvers granted them all)."""
    items = CommentedSeq()
    seen: set[tuple[str, int]] = set()
    office = is_office(repo, school)
    here = [a for a in accesses if (a.source.code == school if office else a.location == school)]
    # Direct grants in the school's file order first, then inherited ones by person.
    here.sort(key=lambda a: (a.via != "direct", a.source.code if a.via != "direct" else "", a.index, a.employee))
    for access in here:
        key = (access.source.file, access.index)
        if key in seen:
            continue
        seen.add(key)
        grant: Grant = access.grant
        item = CommentedMap()
        item["employee"] = quoted(grant.employee)
        item["roles"] = flow_list(grant.roles)
        item["via"] = via_of(access)
        item["decision"] = None
        item["reason"] = None
        member = repo.staff.get(grant.employee)
        who = f"{member.display_name}, {member.position}" if member else "not in the staff directory"
        status = "" if grant.status.value == "active" else f"; {grant.status.value}"
        expires = f"; expires {grant.expires.isoformat()}" if grant.expires else ""
        item.yaml_add_eol_comment(f"{who}{status}{expires}", "employee")
        items.append(item)
    doc = CommentedMap()
    doc["school"] = quoted(school)
    doc["period"] = period
    doc["status"] = "open"
    doc["reviewer"] = reviewer
    doc["reviewed_on"] = None
    doc["commit"] = None
    doc["items"] = items
    name = repo.location_name(school)
    above = "the level above (cluster approvers, else access administrators)" if office else "the cluster's approvers"
    doc.yaml_set_start_comment(
        f"{SCHEMA_HEADER}\n"
        f"Six-monthly access review: {name} ({school}), {period}.\n"
        "For every item set decision to keep, remove or change (change: list the new roles in change_to),\n"
        "and give a reason for remove and change. Or run:\n"
        f"  rolebook review decide --school {school} --period {period} --employee N --role R --decision keep\n"
        f"Nobody decides on their own access: {above} decide the reviewer's own items\n"
        "(decided_by: their Git username). When every item is decided: rolebook review complete."
    )
    return dump(doc, "")


def decide(text: str, *, employee: str, roles: list[str], decision: Decision, reason: str | None,
           change_to: list[str] | None, via: str | None, decided_by: str | None,
           change: bool = False) -> tuple[str, int]:
    """Record one decision in a review file's text; returns the new text and the items decided.

    Naming only some of an item's roles splits it, so each role can get its own decision. A decision
    already made is changed only on purpose: without `roles` (every role of the person) and without
    `change`, an item already decided otherwise is refused, never silently overwritten.
    """
    data = load(text)
    items: CommentedSeq = data.get("items") or CommentedSeq()
    matches = [
        index for index, item in enumerate(items)
        if str(item.get("employee")) == employee
        and (via is None or item.get("via", "direct") == via)
        and (not roles or any(role in item.get("roles", []) for role in roles))
    ]
    if not matches:
        what = f" with role {', '.join(roles)}" if roles else ""
        raise ReviewEditError(f"no item for employee {employee}{what}{f' via {via}' if via else ''} in this review")
    vias = {items[index].get("via", "direct") for index in matches}
    if len(vias) > 1:
        raise ReviewEditError(f"employee {employee} holds this through {', '.join(sorted(vias))}: "
                              "choose one with --via")
    if decision is Decision.change and not change_to:
        raise ReviewEditError("a change needs the new roles: add --change-to ROLE (repeatable)")
    if decision in {Decision.remove, Decision.change} and not reason:
        raise ReviewEditError(f"a decision to {decision.value} needs a reason: add --reason TEXT")
    if not roles and not change:
        earlier = [items[index] for index in matches
                   if items[index].get("decision") not in (None, decision.value)]
        if earlier:
            item = earlier[0]
            raise ReviewEditError(
                f"employee {employee} ({', '.join(item.get('roles', []))}, {item.get('via', 'direct')}) is already "
                f"decided: {item.get('decision')}; to change that decision on purpose, run again with --change "
                "(or name the role with --role)")
    for index in reversed(matches):
        item = items[index]
        held = list(item.get("roles", []))
        chosen = [role for role in held if not roles or role in roles]
        if len(chosen) < len(held):
            rest = CommentedMap((k, v) for k, v in item.items())
            rest["roles"] = flow_list(role for role in held if role not in chosen)
            items.insert(index + 1, rest)
            item["roles"] = flow_list(chosen)
        item["decision"] = decision.value
        item["reason"] = reason
        if decision is Decision.change:
            item["change_to"] = flow_list(change_to or [])
        elif "change_to" in item:
            del item["change_to"]
        if decided_by is not None:
            item["decided_by"] = decided_by
        elif "decided_by" in item:
            del item["decided_by"]
    return dump(data, text), len(matches)


def decide_from_ticks(text: str, ticks: BodyDecisions, *, decider: str, decider_employee: str | None,
                      reviewer: str | None, default_reason: str) -> tuple[str, TickResult]:
    """Record a review PR body's ticks in the review file's text: ticked is remove, unticked keep, unticked
    with "change to: ..." a change to those roles.

    The decider's own items are left as they are (nobody decides on their own access). An item already
    decided as the body says keeps its decision and who made it; one the body now says otherwise is
    changed, by the decider: editing the body is the purposeful act.
    """
    data = load(text)
    items: CommentedSeq = data.get("items") or CommentedSeq()
    result = TickResult()
    for item in items:
        key = (str(item.get("employee")), tuple(item.get("roles", [])), str(item.get("via", "direct")))
        tick = ticks.ticks.get(key)
        if tick is None:
            continue
        label = f"{key[0]} ({', '.join(key[1])}, {key[2]})"
        if decider_employee is not None and key[0] == decider_employee:
            if item.get("decision") is None:
                result.own.append(label)
            continue
        wanted = Decision.remove if tick.remove else Decision.change if tick.change_to else Decision.keep
        change_to = list(tick.change_to or [])
        if item.get("decision") == wanted.value and list(item.get("change_to") or []) == change_to:
            continue
        if item.get("decision") is not None:
            result.changed.append(f"{label}: {item.get('decision')} -> {wanted.value}")
        item["decision"] = wanted.value
        item["reason"] = (tick.reason or default_reason) if wanted is not Decision.keep else tick.reason
        if wanted is Decision.change:
            item["change_to"] = flow_list(change_to)
        elif "change_to" in item:
            del item["change_to"]
        if reviewer is not None and decider.lower() == reviewer.lower():
            if "decided_by" in item:
                del item["decided_by"]
        else:
            item["decided_by"] = decider
        result.decided.append(f"{label}: {wanted.value}")
    result.undecided = [f"{item.get('employee')} ({', '.join(item.get('roles', []))}, {item.get('via', 'direct')})"
                        for item in items if item.get("decision") is None]
    return dump(data, text), result


@dataclass
class TickResult:
    decided: list[str] = field(default_factory=list)  # "EMPLOYEE (roles, via): keep|remove", newly decided
    changed: list[str] = field(default_factory=list)  # earlier decisions the body turned round
    own: list[str] = field(default_factory=list)  # the decider's own items, left to others
    undecided: list[str] = field(default_factory=list)  # every item still without a decision


def set_fields(text: str, values: dict[str, Any]) -> str:
    data = load(text)
    for key, value in values.items():
        data[key] = value
    return dump(data, text)


@dataclass
class AppliedReview:
    files: dict[str, str] = field(default_factory=dict)  # repo-relative path -> new text
    changes: list[tuple[str, GrantChange]] = field(default_factory=list)  # (file, change)
    missing: list[str] = field(default_factory=list)  # decisions whose grant is already gone
    removed_at: dict[str, set[str]] = field(default_factory=dict)  # employee -> locations edited: the marker
    left: dict[str, dict[str, int]] = field(default_factory=dict)  # employee -> {location: open PR holding it}

    @property
    def removal_only(self) -> bool:
        return bool(self.changes) and not any(change.added for _file, change in self.changes)


def apply_review(repo: Repository, review: ReviewFile, holds: Holds | None = None) -> AppliedReview:
    """The grants files with every remove and change decision of a completed review carried out, except
    where an open removal PR (`holds`) already removes that person's access at that location."""
    result = AppliedReview()
    held = holds or Holds()
    code_of = {record.file: code for code, record in repo.grants.items()}
    edited: dict[str, GrantsDocument] = {}
    message = (f"Six-monthly access review {review.period} of {repo.location_name(review.school)} "
               f"({location_review_path(repo, review.school, review.period)})")
    for item in review.items:
        if item.decision not in {Decision.remove, Decision.change}:
            continue
        files = _files_holding(repo, review.school, item.employee, item.via)
        if not files:
            result.missing.append(f"{item.employee} {'/'.join(item.roles)} ({item.via})")
            continue
        for file in files:
            holder = held.pr_at(item.employee, code_of.get(file, ""))
            if holder is not None:
                result.left.setdefault(item.employee, {})[code_of[file]] = holder
                continue
            doc = edited.get(file) or GrantsDocument(repo.root / file, file)
            changes = doc.edit(
                item.employee, remove=item.roles,
                add=(item.change_to or []) if item.decision is Decision.change else [], via=item.via,
                acknowledge_share=repo.policy.max_removal_share, acknowledgement=message,
            )
            if not changes:
                result.missing.append(f"{item.employee} {'/'.join(item.roles)} ({item.via})")
                continue
            edited[file] = doc
            result.changes.extend((file, change) for change in changes)
            result.removed_at.setdefault(item.employee, set()).add(code_of.get(file, ""))
    result.files = {file: doc.text() for file, doc in edited.items()}
    return result


def _files_holding(repo: Repository, school: str, employee: str, via: str) -> list[str]:
    files = []
    office = is_office(repo, school)  # an office's review lists its own file's grants only
    for record, _index, grant in repo.iter_grants():
        if grant.employee != employee:
            continue
        raw_scope = grant.scope if isinstance(grant.scope, str) else grant.scope.model_dump()
        label = scope_label(raw_scope)
        if label != via or ((via == "direct" or office) and record.code != school):
            continue
        if record.file not in files:
            files.append(record.file)
    return files
