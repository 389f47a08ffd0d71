"""One `rolebook apply --scim` run, start to end: read the server, plan, guard, execute, record.

The command only parses options and prints; everything that decides lives here, so the tests and the
benchmark drive the same path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from rolebook.apply.evidence import NoCommit, head_commit, now, record
from rolebook.apply.execute import Outcome, execute
from rolebook.apply.guard import Verdict, acknowledged_in_data, judge, removals_by_location
from rolebook.apply.plan import Plan, desired_state, make_plan
from rolebook.apply.revision import RevisionUnreadable, load_revision
from rolebook.apply.scim import ScimConnection
from rolebook.apply.scoped import scoped_plan
from rolebook.facts.applied import ApplyRun, created_users, last_applied, read_runs, scim_target
from rolebook.infra.gcpause import collector_paused
from rolebook.infra.git import inside_work_tree
from rolebook.loading import Repository, load_repository

STOPPED = "stopped"


@dataclass
class Prepared:
    plan: Plan
    verdict: Verdict
    connection: ScimConnection
    last: ApplyRun | None
    started: str


@dataclass
class Applied:
    prepared: Prepared
    outcome: Outcome | None  # None: the guard stopped the run
    record_problem: str | None


def prepare(root: Path, repo: Repository | None, url: str, token: str | None, today: dt.date,
            acknowledged: Collection[str] = (), *, plan_only: bool = False) -> Prepared:
    """Discover the server, read it, and plan; raises ScimError when the server cannot be read.

    `plan_only`: a plan that changes nothing may be scoped to the people changed since the last applied
    commit (`apply.scoped`), which is what a pull request's plan is; `repo` is then loaded only if the
    change needs the full plan (None: load it here, when needed)."""
    started = now()
    target = scim_target(url)
    in_git = inside_work_tree(root)
    runs = read_runs(root) if in_git else []
    try:
        commit: str | None = head_commit(root) if in_git else None
    except NoCommit:
        commit = None
    last = last_applied(root, target, runs) if in_git else None
    created = created_users(runs, target)
    connection = ScimConnection(url, token)
    connection.discover()
    if plan_only and in_git:
        scoped = scoped_plan(root, commit, last, connection, created, target, today)
        if scoped is not None:
            plan, partial_repo = scoped
            return Prepared(plan, judge(plan, partial_repo, set(acknowledged)), connection, last, started)
    # The server's answer (90,000 resources at 1,000 schools) is parsed in a thread while the repository
    # loads and the desired state is worked out; none of it holds reference cycles, so the cyclic
    # collector, which would walk it all again and again as it grows, is paused until the plan is made.
    with collector_paused():
        server_state = connection.state_meanwhile()
        full = repo if repo is not None else load_repository(root)
        desired = desired_state(full, today)
        plan = make_plan(full, desired, server_state(), created, target=target, commit=commit)
    flags = set(acknowledged)
    verdict = judge(plan, full, flags)
    if verdict.stops:  # the data may acknowledge it: read the last applied revision's grants files
        verdict = judge(plan, full, flags | acknowledged_in_data(full, _revision(root, last),
                                                                 removals_by_location(plan)))
    return Prepared(plan, verdict, connection, last, started)


def apply(root: Path, prepared: Prepared) -> Applied:
    """Execute a prepared plan (unless the guard stops it) and record the run on its commit."""
    plan = prepared.plan
    if plan.commit is None:
        raise NoCommit(f"{root} has no commit: apply records every run against the commit it applied")
    outcome = None if prepared.verdict.stops else execute(plan, prepared.connection)
    counts = plan.counts()
    if outcome is not None:
        counts.update(done=len(outcome.done), failed=len(outcome.failed), not_attempted=len(outcome.not_attempted))
    run = ApplyRun(target=plan.target, commit=plan.commit, base=prepared.last.commit if prepared.last else None,
                   started=prepared.started, finished=now(), result=outcome.result if outcome else STOPPED,
                   counts=counts, created_users=outcome.created_users if outcome else {})
    return Applied(prepared, outcome, record(root, run))


def _revision(root: Path, last: ApplyRun | None) -> Repository | None:
    """The repository as it was at the last applied commit; None when there is none or it cannot be read."""
    if last is None:
        return None
    try:
        return load_revision(root, last.commit)
    except RevisionUnreadable:
        return None
