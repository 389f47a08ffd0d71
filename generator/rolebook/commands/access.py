"""`rolebook access EMPLOYEE`: one person's effective access, and where each piece comes from."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_UNUSABLE, echo_json, format_option, load_or_exit, repo_option
from rolebook.facts.resolve import effective_access


@click.command(name="access")
@click.argument("employee")
@format_option("text", "json")
@repo_option
def command(employee: str, output_format: str, repo_path: Path | None) -> None:
    """Everything EMPLOYEE (an 8-digit employee number) can reach: direct, via cluster X, or all schools."""
    repo = load_or_exit(repo_path)
    if not (employee.isdigit() and len(employee) == 8):
        click.echo(f"rolebook: '{employee}' is not an 8-digit employee number.", err=True)
        sys.exit(EXIT_UNUSABLE)
    person = repo.staff.get(employee)
    records = [a for a in effective_access(repo) if a.employee == employee]
    rows = [{
        "location": a.location,
        "location_name": repo.location_name(a.location),
        "role": a.role,
        "role_name": repo.roles[a.role].name if a.role in repo.roles else a.role,
        "via": a.how,
        "granted_in": f"{a.source.file}:{a.source.line_of(a.index)}",
        "expires": a.grant.expires.isoformat() if a.grant.expires else None,
        "status": a.grant.status.value,
    } for a in sorted(records, key=lambda a: (a.location, a.role))]
    if output_format == "json":
        echo_json({
            "employee": employee,
            "name": person.display_name if person else None,
            "hr_status": person.hr_status.value if person else None,
            "access": rows,
        })
        return
    if person is None and not rows:
        click.echo(f"rolebook: employee {employee} is not in the staff directory and holds no grant.", err=True)
        sys.exit(EXIT_UNUSABLE)
    title = f"{person.display_name} ({employee}), {person.position}, HR {person.hr_status.value}" if person \
        else f"{employee} (not in the staff directory)"
    click.secho(title, bold=True)
    for row in rows:
        click.echo(f"  {row['location']:<9} {str(row['location_name'])[:30]:<31} {str(row['role_name'])[:34]:<35} "
                   f"{row['via']:<22} {row['granted_in']}")
    click.echo(f"\n{len(rows)} role(s) at {len({r['location'] for r in rows})} location(s)")
