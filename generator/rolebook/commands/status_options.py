"""What `lock`, `suspend` and `reinstate` share: their options, and one ending in text or JSON."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import EXIT_OK, echo_json, find_repo, format_option, load_or_exit, repo_option, today
from rolebook.commands.removal_prs_option import open_prs_option, read_or_exit
from rolebook.facts import removal_marker
from rolebook.infra.fileio import write_atomic
from rolebook.requests import RequestError
from rolebook.requests.account_status import Action, StatusChange, build_status_change
from rolebook.requests.change import Change, commit

F = TypeVar("F", bound=Callable[..., Any])


def status_options(func: F) -> F:
    for option in reversed([
        click.option("--employee", required=True, help="Employee number (8 digits)."),
        click.option("--school", "location", help="School or office code (or name): the grants there."),
        click.option("--all", "everywhere", is_flag=True, help="Every grant of the person, at every location."),
        click.option("--reason", help="Why (recorded in the commit's Reason: trailer)."),
        click.option("--pr-body", "pr_body", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the pull request body (Markdown) to this file."),
        open_prs_option,
        format_option("text", "json"),
    ]):
        func = option(func)
    return repo_option(change_options(func))


def run_status(action: Action, employee: str, location: str | None, everywhere: bool, reason: str | None,
               pr_body: Path | None, open_prs_path: Path | None, output_format: str, dry_run: bool,
               no_branch: bool, no_commit: bool, requested_by: str | None, repo_path: Path | None) -> None:
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    holds = removal_marker.holds(read_or_exit(open_prs_path))
    try:
        if (location is None) == (not everywhere):
            raise RequestError("give either --school LOCATION or --all (every grant of the person).")
        prepared = build_status_change(repo, action, employee, location, reason, who_asks(root, requested_by),
                                       today(), holds)
    except RequestError as exc:
        fail(exc)
        return
    report = status_report(prepared)
    conclude(prepared.change, report, pr_body=pr_body, output_format=output_format, dry_run=dry_run,
             no_branch=no_branch, no_commit=no_commit)


def status_report(prepared: StatusChange) -> dict[str, Any]:
    return {
        "action": prepared.action.value,
        "employee": prepared.employee,
        "locations": prepared.locations,
        "grants": [edit.as_json() for edit in prepared.edits],
        "left_to_open_prs": prepared.left,
        "removal_only": prepared.removal_only,
    }


def conclude(change: Change, report: dict[str, Any], *, pr_body: Path | None, output_format: str, dry_run: bool,
             no_branch: bool, no_commit: bool) -> None:
    """Write the PR body, then show, write or commit the change; in JSON, one object saying which."""
    if pr_body is not None:
        write_atomic(pr_body, change.body.strip() + "\n")
    if output_format != "json":
        finish(change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
        return
    report = {**report, "title": change.subject, "files": [d.relative for d in change.documents if d.changed]}
    try:
        if dry_run:
            report.update(result="dry-run", branch=change.branch, diff=change.diff(), message=change.message)
        elif no_commit:
            change.write()
            report.update(result="edited", branch=None)
        else:
            report.update(result="committed", branch=commit(change, new_branch=not no_branch))
    except RequestError as exc:
        fail(exc)
        return
    echo_json(report)
    sys.exit(EXIT_OK)
