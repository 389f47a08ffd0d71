"""`rolebook transfer`: one change that removes access at the old school and requests it at the new."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import find_repo, load_or_exit, repo_option, today
from rolebook.requests import RequestError
from rolebook.requests.operations import build_transfer


@click.command(name="transfer")
@click.option("--employee", required=True, help="Employee number (8 digits).")
@click.option("--from", "source", required=True, help="The school or office the person leaves.")
@click.option("--to", "target", required=True, help="The school or office the person joins.")
@click.option("--role", "roles", multiple=True, help="Only these roles (default: every role held at --from).")
@click.option("--reason", help="Why (e.g. the HR transfer's reference).")
@change_options
@repo_option
def command(employee: str, source: str, target: str, roles: tuple[str, ...], reason: str | None, dry_run: bool,
            no_branch: bool, no_commit: bool, requested_by: str | None, repo_path: Path | None) -> None:
    """Move EMPLOYEE's access from one location to another; both locations' approvers sign."""
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    try:
        change = build_transfer(repo, employee, source, target, list(roles) or None, reason,
                                who_asks(root, requested_by), today())
    except RequestError as exc:
        fail(exc)
        return
    finish(change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
