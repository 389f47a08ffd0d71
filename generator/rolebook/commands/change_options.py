"""What the request commands share: the options that decide how far a change goes, and its ending."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from rolebook.commands.common import EXIT_UNUSABLE
from rolebook.requests import RequestError
from rolebook.requests.change import Change, commit, open_repo, requested_by

F = TypeVar("F", bound=Callable[..., Any])


def change_options(func: F) -> F:
    for option in reversed([
        click.option("--dry-run", is_flag=True, help="Show the diff and the commit message; change nothing."),
        click.option("--no-branch", is_flag=True, help="Commit on the current branch instead of a new one."),
        click.option("--no-commit", is_flag=True, help="Only edit the files in the working tree."),
        click.option("--requested-by", help="Who asks (default: your Git user name and email)."),
    ]):
        func = option(func)
    return func


def who_asks(root: Any, given: str | None) -> str:
    try:
        return requested_by(open_repo(root), given)
    except RequestError:
        return requested_by(None, given)


def fail(exc: RequestError) -> None:
    click.echo(f"rolebook: {exc}", err=True)
    sys.exit(EXIT_UNUSABLE)


def finish(change: Change, *, dry_run: bool, no_branch: bool, no_commit: bool) -> None:
    if dry_run:
        click.echo(change.diff(), nl=False)
        click.echo("\n--- commit message ---\n" + change.message, nl=False)
        click.echo(f"--- branch: {change.branch} (dry run: nothing was changed)")
        return
    try:
        if no_commit:
            for path in change.write():
                click.echo(f"Edited {path.relative_to(change.root)}")
            return
        branch = commit(change, new_branch=not no_branch)
    except RequestError as exc:
        fail(exc)
        return
    click.echo(change.diff(), nl=False)
    click.echo(f"Committed on branch {branch}: {change.subject}")
    if not no_branch:
        click.echo(f"Next: git push -u origin {branch}, then open a pull request.")
