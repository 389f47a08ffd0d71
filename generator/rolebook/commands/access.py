"""`rolebook access EMPLOYEE [--at DATE]`: one person's effective access, where each piece comes from, and
(with --at) as it stood at the end of a past day, with who approved each grant and when."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

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
from rolebook.facts.as_of import AsOfError, AsOfView, as_of
from rolebook.facts.grant_status import status_label
from rolebook.facts.resolve import effective_access
from rolebook.loading import Repository

AT_HELP = ("Access as it stood at the end of this day (YYYY-MM-DD, UTC), read from the Git history: the "
           "newest mainline commit committed before the next midnight. Adds who approved each grant and when.")


@click.command(name="access")
@click.argument("employee")
@click.option("--at", "at", metavar="DATE", help=AT_HELP)
@format_option("text", "json")
@repo_option
def command(employee: str, at: str | None, output_format: str, repo_path: Path | None) -> None:
    """Everything EMPLOYEE (an 8-digit employee number) can reach: direct, via cluster X, or all schools."""
    if not (employee.isdigit() and len(employee) == 8):
        click.echo(f"rolebook: '{employee}' is not an 8-digit employee number.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if at is None:
        show(load_or_exit(repo_path), employee, output_format, None)
        return
    try:
        with as_of(find_repo(repo_path), at, today()) as view:
            warn_problems(view)
            show(view.repo, employee, output_format, view)
    except AsOfError as exc:
        click.echo(f"rolebook: --at {at}: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)


def warn_problems(view: AsOfView) -> None:
    """Files that did not load at that commit are left out: the reader must know the answer lacks them."""
    if not view.problems:
        return
    files = sorted({problem.file for problem in view.problems})
    click.echo(f"rolebook: warning: at commit {view.commit.short}, {len(files)} file(s) did not load and are "
               f"left out: {', '.join(files)}", err=True)
    for problem in view.problems[:10]:
        click.echo(f"  {problem.format()}", err=True)


def show(repo: Repository, employee: str, output_format: str, view: AsOfView | None) -> None:
    person = repo.staff.get(employee)
    day = view.day if view is not None else today()
    records = sorted((a for a in effective_access(repo) if a.employee == employee), key=lambda a: (a.location, a.role))
    rows: list[dict[str, Any]] = []
    for a in records:
        row: dict[str, Any] = {
            "location": a.location,
            "location_name": repo.location_name(a.location),
            "role": a.role,
            "role_name": repo.roles[a.role].name if a.role in repo.roles else a.role,
            "via": a.how,
            "granted_in": f"{a.source.file}:{a.source.line_of(a.index)}",
            "expires": a.grant.expires.isoformat() if a.grant.expires else None,
            "status": a.grant.status.value,
            "status_label": status_label(a.grant.status, a.grant.expires, day),
        }
        if view is not None:
            row.update(view.approval(a).columns())
        rows.append(row)
    if output_format == "json":
        data: dict[str, Any] = {
            "employee": employee,
            "name": person.display_name if person else None,
            "hr_status": person.hr_status.value if person else None,
            "access": rows,
        }
        if view is not None:
            data["as_of"] = view.header()
        echo_json(data)
        return
    if person is None and not rows:
        when = f" {view.label}" if view is not None else ""
        click.echo(f"rolebook: employee {employee} is not in the staff directory and holds no grant{when}.", err=True)
        sys.exit(EXIT_UNUSABLE)
    title = f"{person.display_name} ({employee}), {person.position}, HR {person.hr_status.value}" if person \
        else f"{employee} (not in the staff directory)"
    click.secho(title, bold=True)
    if view is not None:
        click.echo(f"Access {view.label}")
    for row in rows:
        line = (f"  {row['location']:<9} {str(row['location_name'])[:30]:<31} {str(row['role_name'])[:34]:<35} "
                f"{row['via']:<22} {row['status_label']:<10} {row['granted_in']}")
        if view is not None:
            line += f"  {row['request']}, approved by {row['approved_by']} on {row['approved_on']}"
        click.echo(line)
    click.echo(f"\n{len(rows)} role(s) at {len({r['location'] for r in rows})} location(s)")
