"""`rolebook reinstate`: locked or suspended access made active again, or a lost super user restored."""

from __future__ import annotations

from pathlib import Path

import click

from rolebook.commands.change_options import fail, who_asks
from rolebook.commands.common import find_repo, load_or_exit, today
from rolebook.commands.status_options import conclude, run_status, status_options
from rolebook.requests import RequestError
from rolebook.requests.account_status import Action
from rolebook.requests.super_user import build_super_user


@click.command(name="reinstate")
@click.option("--super-user", "super_user", is_flag=True,
              help="Restore EMPLOYEE as a super user (access administrator): the lost super user procedure.")
@status_options
def command(super_user: bool, employee: str, location: str | None, everywhere: bool, reason: str | None,
            pr_body: Path | None, open_prs_path: Path | None, output_format: str, dry_run: bool, no_branch: bool,
            no_commit: bool, requested_by: str | None, repo_path: Path | None) -> None:
    """Make EMPLOYEE's locked or suspended grants active again, at a location (--school) or everywhere (--all).

    The UK guide's "reinstate" (section 6.1): the status goes back to active. This gives access back,
    so it is a normal change: the location's approvers sign it, as for a request. A grant that has
    expired is left as it is (request the roles again), and a person separated in HR is refused.

    \b
    --super-user --employee EMPLOYEE: the lost super user procedure (the UK guide, section 10.2),
    for when no access administrator is left to do the work (suspended, or gone). It puts EMPLOYEE back
    in the access administrators group (policy.access_administrators, in access/groups.yaml) and
    reinstates every locked or suspended grant of theirs. The approval gate asks one member of the
    senior managers group (policy.senior_managers) to approve it: not the person restored, not the
    author. The walk-through: the guide's page "Lost your only super user".

    \b
    Exit codes: 0 done, 2 bad input (an unknown person or location, nothing to reinstate, no senior
    managers group: the message names the file and line).
    """
    if not super_user:
        run_status(Action.reinstate, employee, location, everywhere, reason, pr_body, open_prs_path,
                   output_format, dry_run, no_branch, no_commit, requested_by, repo_path)
        return
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    try:
        if location is not None or everywhere:
            raise RequestError("--super-user restores every grant of the person: leave out --school and --all.")
        prepared = build_super_user(repo, employee, reason, who_asks(root, requested_by), today())
    except RequestError as exc:
        fail(exc)
        return
    report = {
        "action": "reinstate-super-user",
        "employee": prepared.employee,
        "group": prepared.group,
        "added_to_group": prepared.added_to_group,
        "approvers": {"group": prepared.approvers, "members": prepared.approver_members},
        "grants": [edit.as_json() for edit in prepared.edits],
        "removal_only": False,
    }
    conclude(prepared.change, report, pr_body=pr_body, output_format=output_format, dry_run=dry_run,
             no_branch=no_branch, no_commit=no_commit)
