"""Ask everyone whose approval a pull request still needs, and keep one checklist comment up to date.

CODEOWNERS can only say "any one of these owners" for a path, so a second required approver (SPED
Operations, the local district, the access administrators) is never asked by GitHub itself. This module
reads the gate's verdict (`rolebook approvals --format json`), the pull request as the REST API gives it
and the pull request's comments, and works out:

- which users and teams to request as reviewers: every eligible approver of every requirement that is
  not satisfied yet, never the author (GitHub refuses that) and never anyone already requested (asking
  again would only notify them twice); a group that names its `github_team` is asked as that team;
- the sticky comment: the one comment a bot wrote with the hidden marker (updated in place), or none
  yet (a new one is posted), and its body, the gate's own checklist.

It decides only; the approval-gate workflow makes the REST calls with a token that can do nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolebook.approvals import BadInput

MARKER = "<!-- rolebook:approvals-checklist -->"

# GitHub accepts at most 15 users and teams requested for review on one pull request; a request past that
# is refused whole with 422 (Mergify's documentation of its request_reviews action states the limit:
# https://docs.mergify.com/actions/request_reviews/ ; GitHub's REST reference, "Request reviewers for a
# pull request", https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request,
# adds that the endpoint notifies and is subject to secondary rate limits, so one call per run, never a
# call per person). Those already requested count against the 15.
MAX_REQUESTED = 15


@dataclass(frozen=True)
class PullRequestState:
    """What the REST pull object says about who is asked already."""

    number: int
    author: str
    requested_users: tuple[str, ...]
    requested_teams: tuple[str, ...]


@dataclass
class ReviewRequests:
    number: int
    users: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    not_asked: list[str] = field(default_factory=list)  # over GitHub's limit: named in the output only
    comment_id: int | None = None
    body: str = ""

    def as_dict(self) -> dict[str, object]:
        # `reviewers` and `team_reviewers` are the REST endpoint's own field names: the workflow sends
        # exactly these two keys.
        return {
            "pull_request": self.number,
            "reviewers": list(self.users),
            "team_reviewers": list(self.teams),
            "not_asked": list(self.not_asked),
            "limit": MAX_REQUESTED,
            "comment": {"id": self.comment_id, "body": self.body},
        }


def read_json(path: Path, what: str) -> Any:
    """One JSON document, or several in a row (`gh api --paginate` prints one array per page): those are
    returned as one list."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the {what}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: the {what} is not UTF-8 text: {exc}") from exc
    decoder, values, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            break
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}: the {what} is not valid JSON: {exc}") from exc
        values.append(value)
    if not values:
        raise BadInput(f"{path}: the {what} is empty")
    if len(values) == 1:
        return values[0]
    if all(isinstance(v, list) for v in values):
        return [item for page in values for item in page]
    raise BadInput(f"{path}: the {what} holds {len(values)} JSON documents; give one")


def parse_gate(data: Any, where: str) -> dict[str, Any]:
    """The gate's JSON verdict, checked for the keys this module and the checklist read."""
    if not isinstance(data, Mapping) or not isinstance(data.get("requirements"), list):
        raise BadInput(f"{where}: not the output of `rolebook approvals --format json` (no 'requirements' list)")
    for index, requirement in enumerate(data["requirements"]):
        here = f"{where}: requirements[{index}]"
        if not isinstance(requirement, Mapping):
            raise BadInput(f"{here} is not an object")
        for key, kind in (("label", str), ("eligible", list), ("satisfied", bool), ("items", list)):
            if not isinstance(requirement.get(key), kind):
                raise BadInput(f"{here}: '{key}' is missing or not a {kind.__name__}; "
                               "give the output of `rolebook approvals --format json`")
        if not all(isinstance(login, str) for login in requirement["eligible"]):
            raise BadInput(f"{here}: 'eligible' must be a list of GitHub logins")
    return dict(data)


def parse_pull(data: Any, where: str) -> PullRequestState:
    """`{"pull_request": <the REST pull object>}`, as the gate's workflow saves it."""
    pull = data.get("pull_request") if isinstance(data, Mapping) else None
    if not isinstance(pull, Mapping):
        raise BadInput(f"{where}: no 'pull_request' object; save the REST pull as {{pull_request: .}}")
    number, user = pull.get("number"), pull.get("user")
    if not isinstance(number, int) or isinstance(number, bool):
        raise BadInput(f"{where}: pull_request.number is missing or not a number")
    if not isinstance(user, Mapping) or not isinstance(user.get("login"), str):
        raise BadInput(f"{where}: pull_request.user.login is missing")
    return PullRequestState(number, user["login"], _names(pull, "requested_reviewers", "login", where),
                            _names(pull, "requested_teams", "slug", where))


def _names(pull: Mapping[str, Any], key: str, name: str, where: str) -> tuple[str, ...]:
    listed = pull.get(key) or []
    if not isinstance(listed, list) or not all(isinstance(i, Mapping) and isinstance(i.get(name), str)
                                               for i in listed):
        raise BadInput(f"{where}: pull_request.{key} must be a list of objects with '{name}'")
    return tuple(item[name] for item in listed)


def sticky_comment(comments: Any, where: str) -> int | None:
    """The id of the oldest comment a bot wrote with the marker. A person's comment that quotes the marker
    is never taken over: only an App (user.type "Bot") writes the checklist."""
    if not isinstance(comments, list):
        raise BadInput(f"{where}: not a list of issue comments (the REST list, e.g. gh api --paginate)")
    found: list[int] = []
    for comment in comments:
        if not isinstance(comment, Mapping):
            raise BadInput(f"{where}: an issue comment is not an object")
        user = comment.get("user")
        body, number = comment.get("body"), comment.get("id")
        if (isinstance(user, Mapping) and user.get("type") == "Bot" and isinstance(body, str)
                and MARKER in body and isinstance(number, int)):
            found.append(number)
    return min(found) if found else None


def plan_requests(gate: Mapping[str, Any], pull: PullRequestState, teams: Mapping[str, str],
                  limit: int = MAX_REQUESTED) -> ReviewRequests:
    """Who to ask. `teams` maps a group's id and lowercase name to its GitHub team slug.

    Each missing requirement gets its first approver asked before any gets a second, so that when the
    limit bites, every requirement still has someone asked."""
    requested_users = {login.lower() for login in pull.requested_users}
    requested_teams = {slug.lower() for slug in pull.requested_teams}
    # The author, and whoever the change was made for (the gate's `requesters`): they can never approve it.
    others = [gate.get("author"), *(gate.get("requesters") or [])]
    authors = {pull.author.lower()} | {str(login).lstrip("@").lower() for login in others if login}
    queues: list[list[tuple[str, str]]] = []
    for requirement in gate["requirements"]:
        if requirement["satisfied"] or not requirement["eligible"]:
            continue  # nobody to ask: the checklist says so in words
        team = _team_of(requirement, teams)
        if team is not None:
            queues.append([] if team.lower() in requested_teams else [("team", team)])
            continue
        queues.append([("user", login) for login in requirement["eligible"]
                       if login.lower() not in authors | requested_users])
    result = ReviewRequests(pull.number)
    room = max(0, limit - len(requested_users) - len(requested_teams))
    seen: set[tuple[str, str]] = set()
    for kind, name in _round_robin(queues):
        key = (kind, name.lower())
        if key in seen:
            continue
        seen.add(key)
        if room == 0:
            result.not_asked.append(name if kind == "user" else f"team {name}")
            continue
        room -= 1
        (result.users if kind == "user" else result.teams).append(name)
    return result


def _team_of(requirement: Mapping[str, Any], teams: Mapping[str, str]) -> str | None:
    group = requirement.get("group")
    if isinstance(group, str) and group in teams:
        return teams[group]
    return teams.get(str(requirement["label"]).lower())


def _round_robin(queues: list[list[tuple[str, str]]]) -> Iterable[tuple[str, str]]:
    depth = max((len(q) for q in queues), default=0)
    for index in range(depth):
        for queue in queues:
            if index < len(queue):
                yield queue[index]


def read_team_slugs(root: Path) -> dict[str, str]:
    """The GitHub teams of access/groups.yaml (only that file: asking needs no other data). No file: none.
    A file that cannot be read is bad input, with each problem at its line."""
    from pydantic import ValidationError

    from rolebook.loading.messages import translate
    from rolebook.loading.yamlfile import read_yaml
    from rolebook.model.files import GroupsFile
    from rolebook.paths import GROUPS_FILE

    if not (root / GROUPS_FILE).is_file():
        return {}
    parsed = read_yaml(root / GROUPS_FILE, GROUPS_FILE)
    errors = list(parsed.errors)
    if not errors:
        try:
            return team_slugs(GroupsFile.model_validate(parsed.data).groups)
        except ValidationError as exc:
            errors = translate(parsed, exc, GroupsFile)
    raise BadInput("; ".join(f"{e.file}:{e.line}:{e.column}: {e.message}" + (f" (fix: {e.hint})" if e.hint else "")
                             for e in errors))


def team_slugs(groups: Iterable[Any]) -> dict[str, str]:
    """A group's id and its lowercase name (the gate labels a group's requirement with its name) -> the
    slug of its GitHub team, for groups that name one."""
    found: dict[str, str] = {}
    for group in groups:
        if group.github_team:
            found[group.id] = group.github_team
            found[group.name.lower()] = group.github_team
    return found


def checklist_body(gate: Mapping[str, Any], where: str) -> str:
    """The comment: the hidden marker, then the gate's own checklist (its template, fed from the JSON verdict
    in the shape the template reads from the gate's result)."""
    from jinja2 import UndefinedError

    from rolebook.output import templates

    requirements = [{**r, "approved_by": list(r.get("approved_by") or []),
                     "approvers": {"label": r["label"], "note": r.get("note") or "",
                                   "logins": list(r.get("reviewers") or [])}}
                    for r in gate["requirements"]]
    result = {**gate, "requirements": requirements, "notes": list(gate.get("notes") or []),
              "head_sha": str(gate.get("head") or ""), "base_sha": str(gate.get("base") or ""),
              "satisfied": all(r["satisfied"] for r in requirements)}
    missing = [r for r in requirements if not r["satisfied"]]
    try:
        text = templates.render_markdown("approvals/checklist.md.j2", result=result, missing=missing)
    except UndefinedError as exc:
        raise BadInput(f"{where}: the checklist needs a value the verdict does not hold ({exc.message}); "
                       "make the verdict with the same version of rolebook (`rolebook approvals --format json`)"
                       ) from exc
    return f"{MARKER}\n{text}"
