"""`rolebook revoke`: remove a role, or all access, from someone at a school or office."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import find_repo, load_or_exit, repo_option
from rolebook.commands.removal_prs_option import open_prs_option, read_or_exit
from rolebook.facts import removal_marker
from rolebook.requests import RequestError
from rolebook.requests.operations import build_revoke


@click.command(name="revoke")
@click.option("--employee", required=True, help="Employee number (8 digits).")
@click.option("--school", "location", required=True, help="School or office code.")
@click.option("--role", "roles", multiple=True, help="Role id or name to remove (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Remove every grant of the person at this location.")
@click.option("--reason", help="Why the access ends.")
@open_prs_option
@change_options
@repo_option
def command(employee: str, location: str, roles: tuple[str, ...], everything: bool, reason: str | None,
            open_prs_path: Path | None, dry_run: bool, no_branch: bool, no_commit: bool, requested_by: str | None,
            repo_path: Path | None) -> None:
    """Remove ROLEs (or --all) from EMPLOYEE's grants at a location.

    A removal-only change: the commit body says so and carries the removal marker that `hr sync`,
    `offboard` and `review apply` read, so nobody is in two open removal PRs. With --open-prs, a
    person an open removal PR already holds at this location is refused (exit 2).
    """
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    holds = removal_marker.holds(read_or_exit(open_prs_path))
    try:
        if bool(roles) == everything:
            raise RequestError("give either --role ROLE (repeatable) or --all.")
        change = build_revoke(repo, employee, location, None if everything else list(roles), reason,
                              who_asks(root, requested_by), holds)
    except RequestError as exc:
        fail(exc)
        return
    finish(change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
