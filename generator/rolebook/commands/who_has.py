"""`rolebook who-has ROLE [--school CODE] [--at DATE]`: holders of a role, today or (with --at) at the end of a
past day, with who approved each grant and when."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rolebook.commands.access import AT_HELP, warn_problems
from rolebook.commands.common import (
    EXIT_UNUSABLE,
    echo_json,
    find_repo,
    format_option,
    load_or_exit,
    repo_option,
    today,
)
from rolebook.facts.as_of import AsOfError, AsOfView, as_of
from rolebook.facts.catalog import find_role
from rolebook.facts.grant_status import status_label
from rolebook.facts.resolve import effective_access
from rolebook.loading import Repository


@click.command(name="who-has")
@click.argument("role")
@click.option("--school", "location", help="Only this school or office (location code).")
@click.option("--at", "at", metavar="DATE", help=AT_HELP)
@format_option("text", "json")
@repo_option
def command(role: str, location: str | None, at: str | None, output_format: str, repo_path: Path | None) -> None:
    """Everyone who holds ROLE, with where and how (direct, via cluster, all schools)."""
    if at is None:
        show(load_or_exit(repo_path), role, location, output_format, None)
        return
    try:
        with as_of(find_repo(repo_path), at, today()) as view:
            warn_problems(view)
            show(view.repo, role, location, output_format, view)
    except AsOfError as exc:
        click.echo(f"rolebook: --at {at}: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)


def show(repo: Repository, role: str, location: str | None, output_format: str, view: AsOfView | None) -> None:
    when = f" {view.label}" if view is not None else ""
    found = find_role(repo, role)
    if found is None:
        click.echo(f"rolebook: no role '{role}'{when}. See `rolebook roles` for the list.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if location is not None and location not in repo.schools and location not in repo.offices:
        click.echo(f"rolebook: no school or office with code '{location}'{when}.", err=True)
        sys.exit(EXIT_UNUSABLE)
    day = view.day if view is not None else today()
    rows: list[dict[str, Any]] = []
    for access in effective_access(repo):
        if access.role != found.id or (location is not None and access.location != location):
            continue
        person = repo.staff.get(access.employee)
        row: dict[str, Any] = {
            "employee": access.employee,
            "name": person.display_name if person else None,
            "location": access.location,
            "location_name": repo.location_name(access.location),
            "via": access.how,
            "file": access.source.file,
            "expires": access.grant.expires.isoformat() if access.grant.expires else None,
            "status": access.grant.status.value,
            "status_label": status_label(access.grant.status, access.grant.expires, day),
        }
        if view is not None:
            row.update(view.approval(access).columns())
        rows.append(row)
    rows.sort(key=lambda r: (r["location"] or "", r["name"] or ""))
    if output_format == "json":
        echo_json(rows)
        return
    if view is not None:
        click.echo(f"Holders of {found.name}{when}")
    for row in rows:
        line = (f"{row['location']:<10} {str(row['location_name'])[:32]:<33} {row['employee']}  "
                f"{(row['name'] or '(not in staff directory)'):<28} {row['via']:<20} {row['status_label']}")
        if view is not None:
            line += f"  {row['request']}, approved by {row['approved_by']} on {row['approved_on']}"
        click.echo(line)
    where = f" at {location}" if location else ""
    click.echo(f"\n{len(rows)} holder(s) of {found.name}{where}")
