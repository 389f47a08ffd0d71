"""`rolebook offboard --hr-export FILE`: remove every grant of separated staff, in one change."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import find_repo, load_or_exit, repo_option, today
from rolebook.requests import RequestError
from rolebook.requests.hr_export import read_hr_export
from rolebook.requests.operations import build_offboard


@click.command(name="offboard")
@click.option("--hr-export", "export", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HR export CSV with columns employee_number and hr_status (or 'Employee Number', 'Status').")
@change_options
@repo_option
def command(export: Path, dry_run: bool, no_branch: bool, no_commit: bool, requested_by: str | None,
            repo_path: Path | None) -> None:
    """Remove every grant, everywhere, of staff the HR export marks separated (retired, terminated)."""
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    try:
        rows = read_hr_export(export)
        separated = [row.employee for row in rows if row.separated]
        change = build_offboard(repo, separated, export.name, who_asks(root, requested_by), today())
    except RequestError as exc:
        fail(exc)
        return
    if change is None:
        click.echo(f"No grants to remove: none of the {len(separated)} separated staff in {export.name} "
                   "holds access.")
        return
    finish(change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
