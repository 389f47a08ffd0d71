"""The review pull request's body: every grant as a task-list line, and the principal's ticks read back.

A principal who never touches Git decides in GitHub's own interface: each grant is a line
`- [ ] remove — Name: roles (via) <!-- rolebook:grant EMPLOYEE ROLES VIA -->`, unticked means keep, so
"keep everything except these" is one edit; an unticked line followed by `change to: Role, Role` asks
for those roles instead (a change). A final `- [ ] I have reviewed every grant above` says the
review is finished. The body is text anyone with write access can change, so it is read as data only:
a line counts only with its marker, outside code blocks; a marker for a grant the review file does not
list, a grant listed twice with different ticks, or a grant left out, is refused with the line named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rolebook.facts.reviewers import is_office
from rolebook.loading import Repository
from rolebook.model.review import ReviewFile
from rolebook.output.templates import render_markdown

REVIEW_MARKER = re.compile(r"<!--\s*rolebook:review\s+([A-Za-z0-9-]{1,20})\s+([0-9]{4}-H[12])\s*-->")
GRANT_LINE = re.compile(
    r"^\s{0,3}[-*+]\s+\[(?P<tick>[ xX])\]\s+(?P<label>.*?)"
    r"<!--\s*rolebook:grant\s+(?P<employee>[0-9]{8})\s+(?P<roles>[a-z0-9][a-z0-9,-]*)\s+"
    r"(?P<via>direct|all-schools|cluster [a-z0-9][a-z0-9-]*)\s*-->(?P<after>.*)$"
)
CONFIRM_LINE = re.compile(r"^\s{0,3}[-*+]\s+\[(?P<tick>[ xX])\]\s+.*<!--\s*rolebook:reviewed\s*-->\s*$")
GRANT_MARKER = re.compile(r"<!--\s*rolebook:grant\b")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
MAX_REASON = 200
# After the marker: "change to: Teacher, School Full Read" and, optionally, "— reason" (or "; reason").
CHANGE = re.compile(r"^[\s\-—:]*change\s+to\b:?\s*(?P<roles>[^—;]*?)\s*(?:[—;]\s*(?P<reason>.*))?$",
                    re.IGNORECASE)


class BodyError(ValueError):
    """The body cannot be read as decisions; the message names the line and what to do."""


@dataclass(frozen=True)
class BodyLine:
    employee: str
    roles: tuple[str, ...]
    via: str
    who: str


@dataclass(frozen=True)
class Tick:
    """One grant's line: ticked for removal or not, and the reason written after it, if any."""

    remove: bool
    reason: str | None
    line: int
    change_to: tuple[str, ...] | None = None  # unticked with "change to: ...": the roles instead


@dataclass(frozen=True)
class BodyDecisions:
    school: str
    period: str
    ticks: dict[tuple[str, tuple[str, ...], str], Tick]  # (employee, roles, via) -> the line's tick
    confirmed: bool


def item_key(employee: str, roles: list[str] | tuple[str, ...], via: str) -> tuple[str, tuple[str, ...], str]:
    return employee, tuple(roles), via


def render_body(repo: Repository, review: ReviewFile, file: str, reviewers: list[str]) -> str:
    """The pull request body for a review file just opened."""
    lines = []
    for item in review.items:
        member = repo.staff.get(item.employee)
        who = f"{member.display_name}, {member.position}" if member else f"{item.employee} (not in the staff directory)"
        lines.append(BodyLine(item.employee, tuple(item.roles), item.via, who))
    office = is_office(repo, review.school)
    return render_markdown("reviews/pr-body.md.j2", school=review.school, period=review.period,
                           name=repo.location_name(review.school), file=file, lines=lines, reviewers=reviewers,
                           kind="office" if office else "school",
                           above="the level above (the cluster's approvers, else the access administrators)"
                           if office else "the local district's approvers")


def role_names(repo: Repository) -> dict[str, str]:
    """{lowercase role name or id: role id}: how a principal may name a role after "change to"."""
    found = {role_id.lower(): role_id for role_id in repo.roles}
    found.update({role.name.strip().lower(): role_id for role_id, role in repo.roles.items()})
    return found


def parse_body(body: str, review: ReviewFile, roles: Mapping[str, str] | None = None) -> BodyDecisions:
    """The ticks of a review PR body, checked against the review file's items.

    `roles` (`role_names`) resolves the roles a "change to" names; without it they must be role ids."""
    marker = REVIEW_MARKER.search(body)
    if marker is None:
        raise BodyError("the body has no '<!-- rolebook:review CODE PERIOD -->' marker: it is not a review "
                        "pull request's body (or the marker was deleted; put it back as the first line)")
    if (marker.group(1), marker.group(2)) != (review.school, review.period):
        raise BodyError(f"the body is for location {marker.group(1)} {marker.group(2)}, the review file for "
                        f"{review.school} {review.period}")
    known = {item_key(i.employee, i.roles, i.via) for i in review.items}
    ticks: dict[tuple[str, tuple[str, ...], str], Tick] = {}
    confirmed = False
    fenced = False
    for number, raw in enumerate(body.splitlines(), start=1):
        if FENCE.match(raw):
            fenced = not fenced
            continue
        if fenced:
            continue
        confirmation = CONFIRM_LINE.match(raw)
        if confirmation is not None:
            confirmed = confirmed or confirmation.group("tick") != " "
            continue
        match = GRANT_LINE.match(raw)
        if match is None:
            if GRANT_MARKER.search(raw):
                raise BodyError(f"body line {number}: a grant marker outside a '- [ ] remove' task line; "
                                "restore the line as the review pull request wrote it")
            continue
        key = item_key(match.group("employee"), match.group("roles").split(","), match.group("via"))
        if key not in known:
            raise BodyError(f"body line {number}: employee {key[0]} ({', '.join(key[1])}, {key[2]}) is not an "
                            f"item of the review file; only the grants it lists can be decided here")
        tick = _tick(match.group("tick") != " ", match.group("after"), number, roles)
        before = ticks.get(key)
        if before is not None and (before.remove, before.change_to) != (tick.remove, tick.change_to):
            raise BodyError(f"body lines {before.line} and {number} tick employee {key[0]} ({', '.join(key[1])}) "
                            "differently; keep one of the two lines")
        ticks[key] = before or tick
    missing = [key for key in known if key not in ticks]
    if missing:
        employee, held, via = sorted(missing)[0]
        raise BodyError(f"the body no longer lists employee {employee} ({', '.join(held)}, {via}) "
                        f"({len(missing)} grant(s) missing); put the line back, unticked to keep")
    return BodyDecisions(review.school, review.period, ticks, confirmed)


def _tick(ticked: bool, after: str, number: int, roles: Mapping[str, str] | None) -> Tick:
    """One grant line's decision: remove when ticked; a change when unticked with "change to: ..."."""
    change = CHANGE.match(re.sub(r"<!--.*?-->", "", after))
    if change is None:
        return Tick(ticked, _reason(after), number)
    if ticked:
        raise BodyError(f"body line {number}: ticked for removal and asking for a change; untick it to change the "
                        "roles, or delete the 'change to' words to remove the grant")
    wanted: list[str] = []
    for name in (part.strip().strip("`") for part in change.group("roles").split(",")):
        if not name:
            continue
        role_id = roles.get(name.lower()) if roles is not None else (name if re.fullmatch(r"[a-z0-9-]+", name)
                                                                     else None)
        if role_id is None:
            raise BodyError(f"body line {number}: 'change to' names {name!r}, which is not a role of the catalog; "
                            "write the role's name as the role guide shows it")
        if role_id not in wanted:
            wanted.append(role_id)
    if not wanted:
        raise BodyError(f"body line {number}: 'change to' names no role; write the new roles after it, "
                        "e.g. 'change to: Teacher'")
    return Tick(False, _reason(change.group("reason") or ""), number, tuple(wanted))


def _reason(after: str) -> str | None:
    """The words a principal wrote after the marker, as one plain line (or None)."""
    text = re.sub(r"<!--.*?-->|[<>`]", "", after)
    text = " ".join(text.replace("—", " ").split()).strip(" -:")
    return text[:MAX_REASON] or None
