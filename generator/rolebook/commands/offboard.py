"""`rolebook offboard --hr-export FILE`: remove every grant of separated staff, in one change."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import find_repo, load_or_exit, repo_option, today
from rolebook.commands.removal_prs_option import open_prs_option, read_or_exit
from rolebook.facts import removal_marker
from rolebook.infra.fileio import write_atomic
from rolebook.requests import RequestError
from rolebook.requests.hr_export import read_hr_export
from rolebook.requests.operations import build_offboard


@click.command(name="offboard")
@click.option("--hr-export", "export", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HR export CSV with columns employee_number and hr_status (or 'Employee Number', 'Status').")
@open_prs_option
@click.option("--pr-body", "pr_body", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pull request body (Markdown, with the removal marker) to this file.")
@change_options
@repo_option
def command(export: Path, open_prs_path: Path | None, pr_body: Path | None, dry_run: bool, no_branch: bool,
            no_commit: bool, requested_by: str | None, repo_path: Path | None) -> None:
    """Remove every grant, everywhere, of staff the HR export marks separated (retired, terminated).

    The commit body (and --pr-body) says it is a removal-only change and carries the removal marker
    that `hr sync`, `review apply` and `revoke` read too; `gh pr create --fill` copies it into the PR.
    With --open-prs, anyone an open removal PR already removes at a location is left to it there.
    """
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    holds = removal_marker.holds(read_or_exit(open_prs_path))
    try:
        rows = read_hr_export(export)
        separated = [row.employee for row in rows if row.separated]
        plan = build_offboard(repo, separated, export.name, who_asks(root, requested_by), today(), holds)
    except RequestError as exc:
        fail(exc)
        return
    for employee, where in sorted(plan.left.items()):
        places = ", ".join(f"{code} in #{number}" for code, number in sorted(where.items()))
        click.echo(f"{employee}: already in an open removal pull request ({places}), left to it")
    if plan.change is None:
        held = " (the rest is in open pull requests)" if plan.left else ""
        click.echo(f"No grants to remove: none of the {len(separated)} separated staff in {export.name} "
                   f"holds access{held}.")
        return
    if pr_body is not None:
        write_atomic(pr_body, plan.change.body.strip() + "\n")
    finish(plan.change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
