"""`rolebook hr sync`: the staff directory and access removals from the HR export."""

from __future__ import annotations

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
from rolebook.facts.expiry import expiring_grants
from rolebook.hr import prs
from rolebook.hr.mapping import load_mapping
from rolebook.hr.sync import SyncPlan, plan_sync, read_hr_export
from rolebook.infra import csvio
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import BranchError, BranchResult, commit_to_branch
from rolebook.loading import LoadFailed, Repository
from rolebook.output.templates import render_markdown as render

DEFAULT_BRANCH = "hr/sync"


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
@click.option("--open-prs", "open_prs_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON of the open pull requests, as GitHub's REST API lists them.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="The branch the change goes on.")
@click.option("--no-branch", is_flag=True, help="Write the files in the working tree instead of a commit.")
@format_option("text", "json")
@repo_option
def sync(export_path: Path, mapping_path: Path | None, pr_body: Path | None, open_prs_path: Path | None,
         branch: str, no_branch: bool, output_format: str, repo_path: Path | None) -> None:
    """Update access/staff.yaml from the HR export and prepare the access removals it implies.

    \b
    - separated staff (leavers): every grant removed, everywhere;
    - transfers (a location left): access removed there; a new request is needed at the new one;
    - contractors past their contract_end: every grant removed;
    - new hires pending in HR: listed, and kept without access.

    The change is one commit on the branch hr/sync, on top of HEAD; the working tree is not touched
    (--no-branch writes the files in place instead). Nothing is ever merged: the change waits for
    the approvers of every school it touches.

    \b
    The export is CSV with a header. Default columns (rename them in access/hr-mapping.yaml):
      employee_number, last_name, first_name, staff_type, position, hr_status,
      location_codes (separated by ;), and optionally git_username, contractor, sponsor, contract_end.
    Every bad row is reported with its line number and nothing is changed (exit 2).

    \b
    In a nightly workflow (one PR, updated, never a second one for the same person):
      gh api "repos/$GITHUB_REPOSITORY/pulls?state=open" > open-prs.json
      rolebook hr sync --export hr.csv --open-prs open-prs.json --pr-body body.md --format json
      # -> {"action": "create" | "update" | "unchanged" | "none", "pr": N, "title": ..., ...}
      create:    git push -f origin hr/sync && gh pr create --head hr/sync --title "$TITLE" --body-file body.md
      update:    git push -f origin hr/sync && gh pr edit N --title "$TITLE" --body-file body.md
      unchanged / none: nothing to do.
    The same values are written to $GITHUB_OUTPUT (action, pr, branch, title, commit) and a summary,
    with the grants expiring soon, to $GITHUB_STEP_SUMMARY. The PR body carries the marker
    <!-- rolebook:employees N,N -->; anyone an open PR on another branch already lists is left to it.
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
    open_prs: list[prs.OpenPR] = []
    if open_prs_path is not None:
        try:
            open_prs = prs.read_open_prs(open_prs_path)
        except prs.OpenPRsError as exc:
            click.echo(f"rolebook: {exc}", err=True)
            sys.exit(EXIT_UNUSABLE)
    plan = plan_sync(repo, records, day, skip=prs.others_handling(open_prs, branch))
    body = _body(repo, plan)
    message = render("hr/commit.txt.j2", plan=plan)
    if no_branch:
        for relative, text in plan.files.items():
            write_atomic(root / relative, text)
        result = BranchResult(branch="", commit=None, base="", created=bool(plan.files), changed=bool(plan.files))
    else:
        try:
            result = commit_to_branch(root, branch, dict(plan.files), message)
        except BranchError as exc:
            click.echo(f"rolebook: {exc}", err=True)
            sys.exit(EXIT_UNUSABLE)
    decision = prs.decide(open_prs, branch, changed=result.changed, created=result.created, commit=result.commit)
    if pr_body is not None:
        write_atomic(pr_body, body)
    days = repo.policy.expiry_notice_days
    expiring = expiring_grants(repo, day, days)
    _github_outputs(plan, decision, branch if not no_branch else "", result)
    _step_summary(render("hr/summary.md.j2", plan=plan, decision=decision, branch=branch, expiring=expiring,
                         days=days))
    report = {
        "action": decision.action if not no_branch else ("written" if plan.files else "none"),
        "pr": decision.number,
        "branch": None if no_branch else branch,
        "commit": result.commit,
        "new_commit": result.created,
        "title": plan.title,
        "employees": plan.handled_employees,
        "leavers": [p.employee for p in plan.leavers],
        "movers": [p.employee for p in plan.movers],
        "expired_contractors": [p.employee for p in plan.expired_contractors],
        "pending": [p.employee for p in plan.pending],
        "added": [p.employee for p in plan.added],
        "in_other_prs": plan.in_other_prs,
        "files": sorted(plan.files),
        "expiring_grants": len(expiring),
    }
    if output_format == "json":
        echo_json(report)
    else:
        _print_text(plan, report)
    sys.exit(EXIT_OK)


def _body(repo: Repository, plan: SyncPlan) -> str:
    groups = {}
    for person in plan.leavers:
        names = [g.id for g in repo.groups.values() if person.employee in g.members]
        if names:
            groups[person.employee] = names
    return render("hr/pr-body.md.j2", plan=plan, marker=prs.marker(plan.handled_employees), groups=groups)


def _github_outputs(plan: SyncPlan, decision: prs.PRDecision, branch: str, result: BranchResult) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    values = {"action": decision.action, "pr": str(decision.number or ""), "branch": branch,
              "title": plan.title, "commit": result.commit or ""}
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


def _step_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def _print_text(plan: SyncPlan, report: Mapping[str, object]) -> None:
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
    for employee, number in sorted(plan.in_other_prs.items()):
        click.echo(f"  {employee}: already handled in pull request #{number}, left alone")
    if report["branch"]:
        click.echo(f"\nPull request: {report['action']}"
                   + (f" #{report['pr']}" if report["pr"] else "") + f" (branch {report['branch']})")
    else:
        click.echo(f"\nFiles written: {', '.join(plan.files) or 'none'}")
