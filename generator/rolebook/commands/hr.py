"""`rolebook hr sync`: the staff directory and access removals from the HR export."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from rolebook.commands.common import (
    EXIT_OK,
    EXIT_UNUSABLE,
    echo_json,
    find_repo,
    format_option,
    load_or_exit,
    repo_option,
    report_load_errors,
    today,
)
from rolebook.commands.removal_prs_option import open_prs_option, read_or_exit
from rolebook.facts import removal_marker
from rolebook.facts.expiry import expiring_grants
from rolebook.hr import prs
from rolebook.hr.mapping import load_mapping
from rolebook.hr.movers import BRANCH_PREFIX as MOVER_PREFIX
from rolebook.hr.movers import MoverReview, plan_mover
from rolebook.hr.sync import SyncPlan, plan_sync, read_hr_export
from rolebook.infra import csvio
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import BranchError, BranchResult, commit_to_branch
from rolebook.loading import LoadFailed, Repository
from rolebook.output.templates import render_markdown as render


@click.group(name="hr")
def command() -> None:
    """The joiner-mover-leaver loop: keep the staff directory and access in step with HR."""


@command.command(name="sync")
@click.option("--export", "export_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HR system's CSV export.")
@click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Column and status mapping (default: access/hr-mapping.yaml, else our own column names).")
@click.option("--pr-body", "pr_body", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pull request body (Markdown) to this file.")
@open_prs_option
@click.option("--branch", default=None,
              help="The branch the change goes on (default: a new hr/leavers-YYYY-MM-DD, -2... when taken); "
                   "never the branch of an open pull request.")
@click.option("--no-branch", is_flag=True, help="Write the files in the working tree instead of a commit.")
@format_option("text", "json")
@repo_option
def sync(export_path: Path, mapping_path: Path | None, pr_body: Path | None, open_prs_path: Path | None,
         branch: str | None, no_branch: bool, output_format: str, repo_path: Path | None) -> None:
    """Update access/staff.yaml from the HR export and prepare the access removals it implies.

    \b
    - separated staff (leavers): every grant removed, everywhere;
    - transfers (a location left): access removed there; a new request is needed at the new one;
    - contractors past their contract_end: every grant removed;
    - new hires pending in HR: listed, and kept without access;
    - movers (a new position or staff type, still working where they hold access): a pull request
      of their own each, on hr/mover-EMPLOYEE-YYYY-MM-DD, that updates their staff-directory entry,
      removes the roles the new position may not hold (the roles' eligibility) and asks the school's
      principal, in a checklist, about every role left. Its body goes to PR_BODY's folder as
      <PR_BODY name>.mover-EMPLOYEE.md; --format json lists them under "mover_prs".

    The change is one commit on a new branch hr/leavers-YYYY-MM-DD (-2, -3... when that name is taken
    by a branch, a fetched remote branch or an open PR), on top of HEAD; the working tree is not
    touched (--no-branch writes the files in place instead). Nothing is ever merged. Its grants
    changes only remove access, so one approval from an access administrator or a principal of an
    affected school is enough.

    \b
    Each run opens a NEW pull request and never pushes to an open one: approvals count on a PR's head
    commit, and a push would void them. Anyone an open removal PR already holds (its marker, written
    by hr sync, offboard, review apply and revoke alike) is left to it, at the locations that PR
    removes, and so is their staff-directory entry. What such a person gained elsewhere since goes
    into tonight's PR; anything still left when the old PR is merged or closed, the next run removes.

    \b
    The export is CSV with a header. Default columns (rename them in access/hr-mapping.yaml):
      employee_number, last_name, first_name, staff_type, position, hr_status,
      location_codes (separated by ;), and optionally git_username, contractor, sponsor, contract_end.
    Every bad row is reported with its line number and nothing is changed (exit 2).

    \b
    In a nightly workflow:
      gh api "repos/$GITHUB_REPOSITORY/pulls?state=open&per_page=100" > open-prs.json
      rolebook hr sync --export hr.csv --open-prs open-prs.json --pr-body body.md --format json
      # -> {"action": "create" | "none", "branch": "hr/leavers-...", "title": ..., "in_other_prs": {...},
      #     "mover_prs": [{"employee", "branch", "title", "commit", "body_file"}, ...]}
      create: git push origin "$BRANCH" && gh pr create --head "$BRANCH" --title "$TITLE" --body-file body.md
      none:   nothing to do.
      and for each of mover_prs: git push origin BRANCH && gh pr create --head BRANCH --body-file BODY_FILE
    The same values are written to $GITHUB_OUTPUT (action, branch, title, commit, and mover_prs as one
    line of JSON) and a summary, with
    who was left to which open PR and the grants expiring soon, to $GITHUB_STEP_SUMMARY.
    """
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    day = today()
    try:
        mapping = load_mapping(root, mapping_path)
    except LoadFailed as failed:
        report_load_errors(failed)
        sys.exit(EXIT_UNUSABLE)
    try:
        records = read_hr_export(export_path, mapping)
    except csvio.CsvRejected as rejected:
        click.echo(csvio.report(rejected), err=True)
        sys.exit(EXIT_UNUSABLE)
    open_prs = read_or_exit(open_prs_path)
    taken = prs.taken_branches(root, open_prs)
    if branch is not None and branch in {pr.head_ref for pr in open_prs}:
        click.echo(f"rolebook: {branch} is the branch of an open pull request; a push there would void its "
                   "approvals. Leave out --branch to get a new one.", err=True)
        sys.exit(EXIT_UNUSABLE)
    target = branch or prs.new_branch(day, taken)
    plan = plan_sync(repo, records, day, removal_marker.holds(open_prs))
    marker = removal_marker.write("hr-sync", plan.removed_locations, plan.staff_changed)
    body = _body(repo, plan, marker)
    message = render("hr/commit.txt.j2", plan=plan, marker=marker)
    if no_branch:
        for relative, text in plan.files.items():
            write_atomic(root / relative, text)
        result = BranchResult(branch="", commit=None, base="", created=bool(plan.files), changed=bool(plan.files))
    else:
        try:
            result = commit_to_branch(root, target, dict(plan.files), message) if plan.files else \
                BranchResult(branch=target, commit=None, base="", created=False, changed=False)
        except BranchError as exc:
            click.echo(f"rolebook: {exc}", err=True)
            sys.exit(EXIT_UNUSABLE)
    action = ("written" if plan.files else "none") if no_branch else ("create" if result.changed else "none")
    shown_branch = target if action == "create" else None
    if pr_body is not None:
        write_atomic(pr_body, body)
    taken |= {target} if result.changed else set()
    mover_prs = [_mover_pr(root, repo, review, day, taken, pr_body, no_branch)
                 for review in (plan_mover(load_or_exit(root) if no_branch else repo, mover, day)
                                for mover in plan.reassigned)]
    days = repo.policy.expiry_notice_days
    expiring = expiring_grants(repo, day, days)
    _github_outputs(plan, action, shown_branch or "", result, mover_prs)
    _step_summary(render("hr/summary.md.j2", plan=plan, action=action, branch=shown_branch, expiring=expiring,
                         days=days))
    report = {
        "action": action,
        "branch": shown_branch,
        "commit": result.commit,
        "new_commit": result.created,
        "title": plan.title,
        "employees": plan.handled_employees,
        "leavers": [p.employee for p in plan.leavers],
        "movers": [p.employee for p in plan.movers],
        "expired_contractors": [p.employee for p in plan.expired_contractors],
        "pending": [p.employee for p in plan.pending],
        "added": [p.employee for p in plan.added],
        "reassigned": [m.employee for m in plan.reassigned],
        "mover_prs": mover_prs,
        "in_other_prs": plan.in_other_prs,
        "left_to_open_prs": {p.employee: p.held_in for p in plan.left_to_others},
        "files": sorted(plan.files),
        "expiring_grants": len(expiring),
    }
    if output_format == "json":
        echo_json(report)
    else:
        _print_text(plan, report, mover_prs)
    sys.exit(EXIT_OK)


def _body(repo: Repository, plan: SyncPlan, marker: str) -> str:
    groups = {}
    for person in plan.leavers:
        names = [g.id for g in repo.groups.values() if person.employee in g.members]
        if names:
            groups[person.employee] = names
    return render("hr/pr-body.md.j2", plan=plan, marker=marker, groups=groups,
                  removal_only=bool(plan.handled_employees))


def _mover_pr(root: Path, repo: Repository, review: MoverReview, day: dt.date, taken: set[str],
              pr_body: Path | None, no_branch: bool) -> dict[str, object]:
    """One mover's own change: committed on a new hr/mover-EMPLOYEE-DAY branch (or written in place)."""
    body = render("hr/mover-body.md.j2", review=review)
    body_file = pr_body.with_name(f"{pr_body.name}.mover-{review.employee}.md") if pr_body is not None else None
    if body_file is not None:
        write_atomic(body_file, body)
    entry: dict[str, object] = {
        "employee": review.employee, "title": review.title, "branch": None, "commit": None,
        "body_file": str(body_file) if body_file is not None else None, "files": sorted(review.files),
        "removed": [{"location": r.location, "role": r.role, "why": r.why} for r in review.removals],
        "questions": [{"location": q.location, "role": q.role} for q in review.questions],
    }
    if no_branch:
        for relative, text in review.files.items():
            write_atomic(root / relative, text)
        return entry
    branch = prs.new_branch(day, taken, f"{MOVER_PREFIX}{review.employee}-")
    try:
        result = commit_to_branch(root, branch, dict(review.files), render("hr/mover-commit.txt.j2", review=review))
    except BranchError as exc:
        click.echo(f"rolebook: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    if result.changed:
        taken.add(branch)
        entry.update(branch=branch, commit=result.commit)
    return entry


def _github_outputs(plan: SyncPlan, action: str, branch: str, result: BranchResult,
                    mover_prs: list[dict[str, object]]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    opened = [m for m in mover_prs if m["branch"]]
    values = {"action": action, "branch": branch, "title": plan.title, "commit": result.commit or "",
              "mover_prs": json.dumps(opened, separators=(",", ":"))}
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


def _step_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def _print_text(plan: SyncPlan, report: Mapping[str, object], mover_prs: list[dict[str, object]]) -> None:
    click.echo(plan.title)
    for label, people in (("separated, all access removed", plan.leavers),
                          ("transferred, access removed at the old location", plan.movers),
                          ("contractors past their end date", plan.expired_contractors),
                          ("pending in HR, kept blocked", plan.pending),
                          ("added to the staff directory", plan.added)):
        if people:
            click.echo(f"  {label}: {', '.join(p.employee for p in people)}")
    for person in plan.movers:
        if person.joined_locations:
            click.echo(f"  {person.employee}: a new request is needed at {', '.join(person.joined_locations)}")
    for person in plan.left_to_others:
        where = ", ".join(f"{code} in #{number}" for code, number in sorted(person.held_in.items()))
        rest = "; the rest is removed here" if person.removals else ""
        click.echo(f"  {person.employee}: already in an open removal pull request ({where}), left to it{rest}")
    for mover in mover_prs:
        where = f"on the new branch {mover['branch']}" if mover["branch"] else "written in place"
        click.echo(f"  {mover['employee']}: changed position, grants up for review in a pull request of their "
                   f"own ({where})")
    if report["action"] == "written":
        click.echo(f"\nFiles written: {', '.join(plan.files)}")
    elif report["branch"]:
        click.echo(f"\nPull request: create, on the new branch {report['branch']}")
    else:
        click.echo("\nNothing new: no branch made, no pull request to open.")
