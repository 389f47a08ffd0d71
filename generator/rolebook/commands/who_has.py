"""`rolebook who-has ROLE [--school CODE]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_UNUSABLE, echo_json, format_option, load_or_exit, repo_option
from rolebook.facts.catalog import find_role
from rolebook.facts.resolve import effective_access


@click.command(name="who-has")
@click.argument("role")
@click.option("--school", "location", help="Only this school or office (location code).")
@format_option("text", "json")
@repo_option
def command(role: str, location: str | None, output_format: str, repo_path: Path | None) -> None:
    """Everyone who holds ROLE, with where and how (direct, via cluster, all schools)."""
    repo = load_or_exit(repo_path)
    found = find_role(repo, role)
    if found is None:
        click.echo(f"rolebook: no role '{role}'. See `rolebook roles` for the list.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if location is not None and location not in repo.schools and location not in repo.offices:
        click.echo(f"rolebook: no school or office with code '{location}'.", err=True)
        sys.exit(EXIT_UNUSABLE)
    rows = []
    for access in effective_access(repo):
        if access.role != found.id or (location is not None and access.location != location):
            continue
        person = repo.staff.get(access.employee)
        rows.append({
            "employee": access.employee,
            "name": person.display_name if person else None,
            "location": access.location,
            "location_name": repo.location_name(access.location),
            "via": access.how,
            "file": access.source.file,
            "expires": access.grant.expires.isoformat() if access.grant.expires else None,
        })
    rows.sort(key=lambda r: (r["location"] or "", r["name"] or ""))
    if output_format == "json":
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['location']:<10} {str(row['location_name'])[:32]:<33} {row['employee']}  "
                   f"{(row['name'] or '(not in staff directory)'):<28} {row['via']}")
    where = f" at {location}" if location else ""
    click.echo(f"\n{len(rows)} holder(s) of {found.name}{where}")
