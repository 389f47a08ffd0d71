"""`rolebook roles [ROLE]`: the role catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_UNUSABLE, echo_json, format_option, load_or_exit, repo_option
from rolebook.facts.catalog import find_role, ordered_roles, role_record


@click.command(name="roles")
@click.argument("role", required=False)
@click.option("--category", help="Only roles of this category (id or name).")
@format_option("text", "json")
@repo_option
def command(role: str | None, category: str | None, output_format: str, repo_path: Path | None) -> None:
    """List every role, or show ROLE (an id such as counselor-plus, or a name such as "Counselor Plus").

    `--format json` is a public contract: an array of role objects (one object when ROLE is given).
    """
    repo = load_or_exit(repo_path)
    if role is not None:
        found = find_role(repo, role)
        if found is None:
            click.echo(f"rolebook: no role '{role}'. See `rolebook roles` for the list.", err=True)
            sys.exit(EXIT_UNUSABLE)
        record = role_record(repo, found)
        if output_format == "json":
            echo_json(record)
            return
        _show(record)
        return
    roles = ordered_roles(repo)
    if category:
        roles = [r for r in roles if category in {r.category, repo.categories.get(r.category, r).name}]
    records = [role_record(repo, r) for r in roles]
    if output_format == "json":
        echo_json(records)
        return
    current = None
    for record in records:
        if record["category"] != current:
            current = record["category"]
            click.secho(f"\n{current}", bold=True)
        click.echo(f"  {record['id']:<45} {record['security_level']:<9} {record['name']}")
    click.echo(f"\n{len(records)} roles")


def _show(record: dict[str, object]) -> None:
    quota = record["quota"]
    assert isinstance(quota, dict)
    click.secho(f"{record['name']}  ({record['id']})", bold=True)
    click.echo(f"Category:        {record['category']}")
    click.echo(f"Security level:  {record['security_level']}")
    click.echo(f"Modules:         {', '.join(record['modules'])}")  # type: ignore[arg-type]
    click.echo(f"Types of users:  {'; '.join(record['user_types'])}")  # type: ignore[arg-type]
    click.echo(f"Number of users: {quota['text']}")
    click.echo(f"How to request:  {record['request_form'] or record['request_via']}")
    if record["extra_approval"]:
        click.echo(f"Also approved by: {', '.join(record['extra_approval'])}")  # type: ignore[arg-type]
    if record["available_from"]:
        click.echo(f"Available from:  {record['available_from']}")
    click.echo(f"\n{record['description']}")
