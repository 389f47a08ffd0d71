"""The plan of a pull request in about a second at 1,000 schools: only the people the change touches.

When the data changed since the last applied commit only in locations' grants files, the plan needs no
full load and no full read of the server: both revisions load partially (`loading.fast.partial`: the
changed schools, every office, the staff records of the people named), the people whose grants differ
are found, the other schools' files that name them are read too (a person's whole access decides
whether their user stays active), and the server is asked only about those people's users and the
groups they are in or should be in (SCIM filters). Anything else, or a plan that removes enough for the
removal guard to weigh (which needs the whole district), is planned in full instead (None).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path, PurePosixPath

from rolebook.apply.plan import Plan, desired_state, make_plan
from rolebook.apply.scim import ScimConnection
from rolebook.apply.state import ServerState
from rolebook.facts.applied import ApplyRun
from rolebook.infra.git import GitFailed, grep_files, worktree_changes
from rolebook.loading import Repository
from rolebook.loading.fast.partial import WORKTREE, ContentStore, PartialSession
from rolebook.paths import GRANTS_FILE, REVIEWS_FOLDER, SCHOOLS_DIR, SCHOOLS_FOLDER


def scoped_plan(root: Path, repo_commit: str | None, last: ApplyRun | None, connection: ScimConnection,
                created: dict[str, str], target: str, today: dt.date) -> tuple[Plan, Repository] | None:
    """The plan for the people changed since `last`, with the partial repository it was made from."""
    if last is None:
        return None
    try:
        changed, base_files = worktree_changes(root, last.commit)
    except GitFailed:
        return None
    locations: dict[str, str] = {}  # code -> folder
    for path in changed:
        match = GRANTS_FILE.match(path)
        if match:
            locations[match.group(2)] = match.group(1)
        elif not _is_review(path):
            return None  # roles, policy, district, staff...: everything may change
    if not locations:
        return None
    head_files = {path: key for path, key in base_files.items() if path not in changed}
    head_files.update({path: WORKTREE + path for path in changed if (root / path).is_file()})
    store = ContentStore(root)
    store.adopt_worktree(head_files)
    session = PartialSession(root, store)
    schools = {code for code, folder in locations.items() if folder == SCHOOLS_FOLDER}
    base, head = session.load(base_files, schools), session.load(head_files, schools)
    if base is None or head is None:
        return None
    people = _changed_people(base, head, set(locations))
    if not people:
        return None
    others = {PurePosixPath(p).parts[2] for p in grep_files(root, sorted(people), SCHOOLS_DIR)
              if GRANTS_FILE.match(p)} - schools
    if others:  # every school file naming them: their whole access is then known
        head = session.load(head_files, schools | others, frozenset(people))
        if head is None:
            return None
    desired = desired_state(head, today, employees=people)
    had = desired_state(base, today, employees=people)  # the groups they were in at the last applied commit
    server = _server_part(connection, people, {u.user_name for u in desired.users.values()},
                          set(desired.groups) | set(had.groups))
    plan = make_plan(head, desired, server, created, target=target, commit=repo_commit)
    if len(plan.remove_members) >= head.policy.apply.removal_guard_minimum:
        return None  # the guard weighs removals against the whole district: plan in full
    return plan, head


def _is_review(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) >= 5 and parts[:2] == ("access", SCHOOLS_FOLDER) and parts[3] == REVIEWS_FOLDER


def _changed_people(base: Repository, head: Repository, codes: set[str]) -> set[str]:
    people: set[str] = set()
    for code in codes:
        sides = []
        for repo in (base, head):
            grants: dict[str, list[str]] = {}
            record = repo.grants.get(code)
            for grant in record.model.grants if record else ():
                grants.setdefault(grant.employee, []).append(grant.model_dump_json())
            sides.append(grants)
        before, after = sides
        people.update(e for e in before.keys() | after.keys() if sorted(before.get(e, [])) != sorted(after.get(e, [])))
    return people


def _server_part(connection: ScimConnection, people: set[str], user_names: set[str],
                 groups: set[str]) -> ServerState:
    """The people's users (by externalId, and any holding their userName) and the groups they were or
    should be in, by name: single equalities, which a server answers from an index. A group someone
    added them to by hand is not seen here; the full plan of `rolebook apply` repairs such drift."""
    found = {u.id: u for u in connection.users_where("externalId", sorted(people))}
    found.update({u.id: u for u in connection.users_where("userName", sorted(user_names))})
    return ServerState(list(found.values()), connection.groups_where("displayName", sorted(groups)))
