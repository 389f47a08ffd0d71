"""`rolebook drift --sis-export FILE`: the live SIS's user roles against the repository."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from rolebook.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    echo_json,
    format_option,
    load_or_exit,
    repo_option,
    today,
)
from rolebook.hr.drift import compare, read_sis_export
from rolebook.infra import csvio
from rolebook.output.templates import render_markdown as render


@click.command(name="drift")
@click.option("--sis-export", "export_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of the SIS's user roles: employee_number, user_name, location_code, role.")
@format_option("markdown", "json", default="markdown")
@repo_option
def command(export_path: Path, output_format: str, repo_path: Path | None) -> None:
    """Accounts and roles in the SIS that the repository does not grant, and the reverse.

    Reports orphan accounts (no grant in the repository), generic accounts (policy.generic_account_patterns:
    "User 1", "guest", "AdminDepartment"...), and roles that differ either way. Exit 1 when drift is found.
    """
    repo = load_or_exit(repo_path)
    try:
        rows = read_sis_export(export_path)
    except csvio.CsvRejected as rejected:
        click.echo(csvio.report(rejected), err=True)
        sys.exit(EXIT_UNUSABLE)
    drift = compare(repo, rows, today())
    if output_format == "json":
        echo_json({"drift": drift.found, **{key: value for key, value in asdict(drift).items()}})
    else:
        click.echo(render("hr/drift.md.j2", drift=drift), nl=False)
    sys.exit(EXIT_FINDINGS if drift.found else EXIT_OK)
