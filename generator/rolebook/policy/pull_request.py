"""Pull-request mode on a partial load: `validate --base` and the approval gate for a change to schools' grants.

When a change touches only schools' grants files (the usual request), both revisions are loaded with
`rolebook.loading.fast.partial`: everything district-wide except the other schools' grants files and the staff
records of people not involved. What the loaded data cannot answer exactly is left out, never guessed:

- findings about a school whose grants file was not read (access reviews, overdue reviews);
- forbidden role combinations (RB407, per person across every file) except for the people whose grants
  the change touches: the grants files that name them are found with `git grep` and read too (when the
  policy forbids any combination at all);
- CODEOWNERS (RB601), which needs every school's approvers: said in a note.

Anything else (roles, policy, district, groups, staff, offices, review files or other files in a school's
folder changed, or `--full`) loads everything, as before. None from these functions means exactly that.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rolebook.infra.git import grep_files
from rolebook.loading import Repository
from rolebook.loading.fast.partial import WORKTREE, ContentStore, PartialSession
from rolebook.model.findings import Finding

if TYPE_CHECKING:  # annotations only; at run time the report is imported lazily (it pulls in templates)
    from rolebook.approvals.revisions import GitRevisions
    from rolebook.output.report import Validation
    from rolebook.policy.pr_base import Change
_SCHOOL_GRANTS = re.compile(r"^access/schools/([^/]+)/grants\.yaml$")
_SCHOOL_FILE = re.compile(r"^access/schools/([^/]+)/")
_DATA = ("roles/", "access/")
PARTIAL_SKIPPED = ("RB601",)
PER_PERSON = ("RB407",)
CODEOWNERS_NOTE = ("CODEOWNERS (RB601) is not checked in pull-request mode when only grants files change: "
                   "run `rolebook validate` without --base, or with --full")


def _data_paths(changed: list[str]) -> list[str]:
    return [p for p in changed if p.startswith(_DATA)]


def _needed(files: dict[str, str], schools: set[str]) -> dict[str, str]:
    """{path: content key} of what a partial load of `files` reads: everything but other schools' grants files."""
    needed = {}
    for path, key in files.items():
        if path.startswith("access/schools/"):
            match = _SCHOOL_GRANTS.match(path)
            if match is None or match.group(1) not in schools:
                continue
        needed[path] = key
    return needed


def changed_people(base: Repository, head: Repository, schools: set[str]) -> set[str]:
    """Employees whose grants differ between the two revisions in the given schools' files."""
    people: set[str] = set()
    for code in schools:
        sides = []
        for repo in (base, head):
            grants: dict[str, list[str]] = {}
            record = repo.grants.get(code)
            for grant in record.model.grants if record else ():
                grants.setdefault(grant.employee, []).append(grant.model_dump_json())
            sides.append(grants)
        before, after = sides
        people.update(e for e in before.keys() | after.keys() if before.get(e) != after.get(e))
    return people


def keep_finding(finding: Finding, repo: Repository, complete_people: set[str]) -> bool:
    """Could this finding on a partial load differ from a full load's? Then leave it out."""
    if finding.code in PARTIAL_SKIPPED:
        return False
    if finding.code in PER_PERSON:
        return finding.employee in complete_people
    loaded = repo.loaded_locations
    return not (loaded is not None and finding.location in repo.schools and finding.location not in loaded)


def base_identities(base: Repository, today: dt.date, scope: set[str], codes: set[str]) -> set[tuple[str, ...]]:
    """The identities of the base's findings by the rules `codes` (those that found something in the head).

    An identity starts with its rule's code, so a head finding can only be matched by a finding of the
    same rule: running just those rules on the base tells old from new exactly as running them all
    (`check.run_rules`) does, without the rest of the work. Rules the base's policy turns off find nothing.
    """
    from rolebook.policy.check import run_rules
    return {finding.identity() for finding in run_rules(base, today, scope=scope, codes=codes).findings}


# ---------------------------------------------------------------------- validate --base
def pull_request_partial(root: Path, ref: str, today: dt.date,
                         pending_change: Callable[[], Change] | None = None) -> Validation | None:
    """`validate --base REF` on a partial load (a `Validation`), or None to load everything.

    `pending_change`: `baseline.changed_files(root, ref)` started earlier (`gitsource.in_background`).
    """
    from rolebook.facts.diff import access_diff
    from rolebook.output.report import Validation
    from rolebook.policy.check import Report, run_rules
    from rolebook.policy.pr_base import BaseUnavailable, changed_files
    from rolebook.policy.request_checks import request_checks
    try:
        change = pending_change() if pending_change is not None else changed_files(root, ref)
    except BaseUnavailable:
        return None  # the full path says so, with its hint
    scope = change.scope()
    data = _data_paths(change.changed)
    if scope is None or not all(_SCHOOL_GRANTS.match(p) for p in data):
        return None
    base_files = change.base_files
    store = ContentStore(root)
    head_files = {}
    for path, key in base_files.items():
        if path in data:
            continue
        head_files[path] = key
        store.local.setdefault(key, path)
    for path in data:
        if (root / path).is_file():
            head_files[path] = WORKTREE + path
    store.prefetch([*_needed(base_files, scope).values(), *_needed(head_files, scope).values()])
    session = PartialSession(root, store)
    schools = set(scope)
    base, head = session.load(base_files, schools), session.load(head_files, schools)
    if base is None or head is None:
        return None
    people = changed_people(base, head, scope)
    others: set[str] = set()
    # Only a forbidden combination (RB407) needs every file that names a person: with none in either
    # policy (the default) there is nothing to look for.
    if base.policy.forbidden_combinations or head.policy.forbidden_combinations:
        others = {m.group(1) for p in grep_files(root, sorted(people), "access/schools")
                  if (m := _SCHOOL_GRANTS.match(p))} - schools
    if others:  # every file that names them: their combinations of roles are then known in full
        schools |= others
        store.prefetch(list(_needed(base_files, schools).values()))
        base, head = session.load(base_files, schools), session.load(head_files, schools)
        if base is None or head is None:
            return None
    head_report = run_rules(head, today, scope=scope, base=base)
    findings = [f for f in head_report.findings if keep_finding(f, head, people)]
    old = base_identities(base, today, scope, {f.code for f in findings})
    report = Report(findings=[f for f in findings if f.identity() not in old],
                    preexisting=[f for f in findings if f.identity() in old])
    notes = [CODEOWNERS_NOTE] if (root / ".github").is_dir() else []
    diff = access_diff(base, head)
    return Validation(report=report, today=today, base=ref, base_sha=change.base_sha, scope=scope,
                      access_diff=diff, notes=notes, request_checks=request_checks(head, diff, today))


# ---------------------------------------------------------------------- the approval gate
def partial_revisions(root: Path, found: GitRevisions) -> tuple[Repository, Repository, Repository] | None:
    """(base, merge base, head) loaded partially, or None to load everything."""
    data = _data_paths(found.changed_files)
    matches = [_SCHOOL_FILE.match(p) for p in data]
    if not all(matches):
        return None
    schools = {m.group(1) for m in matches if m}
    store = ContentStore(root)
    needed = {path: key for files in found.listings.values() for path, key in _needed(files, schools).items()}
    store.adopt_worktree(needed)  # the files the working tree holds unchanged (the staff file...)
    store.prefetch(list(needed.values()))
    session = PartialSession(root, store)
    loaded = {sha: session.load(files, schools) for sha, files in found.listings.items()}
    base, start, head = loaded[found.base_sha], loaded[found.merge_base_sha], loaded[found.head_sha]
    if base is None or start is None or head is None:
        return None
    return base, start, head
