"""`rolebook request`: ask for roles for someone at a school or office, as a branch and a commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from rolebook.commands.change_options import change_options, fail, finish, who_asks
from rolebook.commands.common import find_repo, load_or_exit, repo_option, today
from rolebook.infra.fileio import write_atomic
from rolebook.requests import RequestError, lookup
from rolebook.requests.acceptance import acceptance, record_acceptance
from rolebook.requests.issue_form import parse_issue_form, pull_request_body, requester
from rolebook.requests.lookup import parse_date
from rolebook.requests.operations import RequestInput, build_request


@click.command(name="request")
@click.option("--employee", help="Employee number (8 digits).")
@click.option("--school", "location", help="School or office code (or its exact name).")
@click.option("--role", "roles", multiple=True, help="Role id or name, e.g. 'Health Office' (repeatable).")
@click.option("--expires", help="End date, YYYY-MM-DD (default: the policy's longest for the role).")
@click.option("--reason", help="Why the person needs the access.")
@click.option("--verification", help="How the need was verified (the paper form's verification).")
@click.option("--accepts-responsible-use", "accepts_use", is_flag=True,
              help="The person has read and accepts the responsible-use policy (roles/policy.yaml's current "
                   "version): recorded in the grant as accepted_use.")
@click.option("--accepted-via", metavar="TEXT",
              help="Where the acceptance was given, recorded with it (default: 'rolebook request').")
@click.option("--from-issue-form", "issue_form", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
              help="Read the request from a submitted access-request issue form body.")
@click.option("--issue-author", metavar="LOGIN", hidden=True,
              help="The GitHub login of who filed the form: the commit says `Requested-by: @LOGIN`.")
@click.option("--issue-number", type=click.IntRange(min=1), hidden=True,
              help="The form's issue: the pull request body closes it.")
@click.option("--pull-request-body", "body_file", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
              help="Also write the pull request's description here (with the Requested-by line).")
@change_options
@repo_option
def command(employee: str | None, location: str | None, roles: tuple[str, ...], expires: str | None,
            reason: str | None, verification: str | None, accepts_use: bool, accepted_via: str | None,
            issue_form: Path | None, issue_author: str | None, issue_number: int | None, body_file: Path | None,
            dry_run: bool, no_branch: bool, no_commit: bool, requested_by: str | None,
            repo_path: Path | None) -> None:
    """Request ROLEs for EMPLOYEE at a school: add them to the person's grant there, or a new grant.

    With --accepts-responsible-use (or the form's responsible-use tick) the grant records who accepted
    which version of the district's responsible-use policy, when and where."""
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    try:
        if issue_author is not None:
            if requested_by is not None:
                raise RequestError("give --issue-author or --requested-by, not both")
            requested_by = requester(issue_author)
        if issue_form is not None:
            try:
                form = parse_issue_form(issue_form.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise RequestError(f"{issue_form}: cannot read the issue form: {exc}") from exc
            employee, location, roles = form.employee, form.school, tuple(form.roles)
            expires, reason, verification = form.expires, form.reason, form.verification
            # The tick is kept only when there is a policy to accept: a form ticked in a district without
            # one records nothing (the tick could name no version).
            accepts_use = form.accepts_responsible_use and repo.policy.responsible_use.version is not None
            accepted_via = f"#{issue_number}" if issue_number is not None else "access-request form"
        if not employee or not location or not roles:
            raise RequestError("give --employee, --school and at least one --role.")
        end: dt.date | None = parse_date(expires, "--expires") if expires else None
        change = build_request(repo, RequestInput(employee, location, list(roles), end, reason, verification,
                                                  who_asks(root, requested_by)), today())
        if accepts_use:
            holder = lookup.employee(repo, employee).employee
            record_acceptance(change, holder, acceptance(repo, holder, today(), accepted_via or "rolebook request"))
    except RequestError as exc:
        fail(exc)
        return
    finish(change, dry_run=dry_run, no_branch=no_branch, no_commit=no_commit)
    if body_file is not None:
        write_atomic(body_file, pull_request_body(change.message, issue_number))
