"""`rolebook logins import | report`: the MIS login export, dormant and never-used access per role."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import (
    EXIT_UNUSABLE,
    echo_json,
    find_repo,
    format_option,
    load_or_exit,
    repo_option,
    today,
)
from rolebook.facts.dormancy import login_flags
from rolebook.facts.expiry import expiring_grants
from rolebook.facts.resolve import effective_access
from rolebook.hr.logins import normalise, read_export
from rolebook.infra import csvio
from rolebook.infra.fileio import write_atomic
from rolebook.loading.records import has_login_data, read_stored
from rolebook.paths import LOGINS_FILE


@click.group(name="logins")
def command() -> None:
    """The MIS login export: when each person last logged in with each role at each location."""


@command.command(name="import")
@click.option("--export", "export_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with employee_number, location_code, role (name or id), last_login (ISO date-time); "
                   "without a role column, one last login per person and location.")
@repo_option
def import_logins(export_path: Path, repo_path: Path | None) -> None:
    """Store the login export, normalised, at access/logins.csv (every bad row refused, exit 2)."""
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    try:
        records = read_export(export_path, repo)
    except csvio.CsvRejected as rejected:
        click.echo(csvio.report(rejected), err=True)
        sys.exit(EXIT_UNUSABLE)
    write_atomic(root / LOGINS_FILE, normalise(records))
    click.echo(f"{LOGINS_FILE}: {len(records)} login record(s) imported from {export_path.name}")


@command.command(name="report")
@format_option("text", "json")
@click.option("--days", type=int, default=None, help="Also list grants expiring within this many days "
              "(default: policy.expiry_notice_days).")
@repo_option
def report(output_format: str, days: int | None, repo_path: Path | None) -> None:
    """Dormant roles (not used for the role's dormant_after_days, else the policy's), roles never used, and
    grants expiring soon."""
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    day = today()
    try:
        records = read_stored(root)
    except csvio.CsvRejected as rejected:
        click.echo(csvio.report(rejected), err=True)
        sys.exit(EXIT_UNUSABLE)
    flags = login_flags(repo, effective_access(repo), records, day) if has_login_data(root) else []
    expiring = expiring_grants(repo, day, days)
    if output_format == "json":
        echo_json({
            "login_data": has_login_data(root),
            "dormant_after_days": repo.policy.dormant_after_days,
            "flags": [{"kind": f.kind, "employee": f.employee, "location": f.location, "roles": list(f.roles),
                       "last_login": f.last_login.isoformat() if f.last_login else None, "days": f.days,
                       "dormant_after_days": f.limit, "file": f.access.source.file,
                       "line": f.access.source.line_of(f.access.index)} for f in flags],
            "expiring": [{"employee": g.employee, "location": g.location, "roles": list(g.roles),
                          "expires": g.expires.isoformat(), "days_left": g.days_left, "file": g.file,
                          "line": g.line} for g in expiring],
        })
        return
    if not has_login_data(root):
        click.echo(f"No login data: import the MIS export with `rolebook logins import` ({LOGINS_FILE}).")
    for flag in flags:
        name = repo.staff[flag.employee].display_name if flag.employee in repo.staff else "(not in staff directory)"
        when = f"last login {flag.last_login.date()}" if flag.last_login else "never used"
        click.echo(f"{flag.kind:<8} {flag.location:<8} {flag.employee} {name:<28} {when}, {flag.days} days "
                   f"({', '.join(flag.roles)})")
    for grant in expiring:
        click.echo(f"expiring {grant.location:<8} {grant.employee} {', '.join(grant.roles)} on {grant.expires} "
                   f"({grant.days_left} days)")
    dormant = sum(1 for f in flags if f.kind == "dormant")
    click.echo(f"\n{dormant} dormant, {len(flags) - dormant} never used, {len(expiring)} expiring "
               f"(per role; dormant after {repo.policy.dormant_after_days} days unless the role sets its own)")
