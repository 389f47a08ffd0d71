"""`rolebook suspend`: set a person's grants to suspended, as a branch and a commit ready for a pull request."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.status_options import run_status, status_options
from rolebook.requests.account_status import Action


@click.command(name="suspend")
@status_options
def command(employee: str, location: str | None, everywhere: bool, reason: str | None, pr_body: Path | None,
            open_prs_path: Path | None, output_format: str, dry_run: bool, no_branch: bool, no_commit: bool,
            requested_by: str | None, repo_path: Path | None) -> None:
    """Suspend EMPLOYEE's active or locked grants at a location (--school) or everywhere (--all).

    The UK guide's "suspended" (section 6.1): "if a user (for any reason) is to be denied access",
    the grants stay on record but give nothing until reinstated. A suspension only narrows access:
    the commit (and --pr-body) says it is removal-only and carries the removal marker, so one
    removal approver is enough and nobody is in two open removal PRs (with --open-prs, a location an
    open removal PR already holds is refused, or left to it with --all). `rolebook reinstate` makes
    the grants active again.

    \b
    Exit codes: 0 done, 2 bad input (an unknown person or location, nothing to suspend, a grants file
    that cannot be edited safely: the message names the file and line).
    """
    run_status(Action.suspend, employee, location, everywhere, reason, pr_body, open_prs_path, output_format,
               dry_run, no_branch, no_commit, requested_by, repo_path)
