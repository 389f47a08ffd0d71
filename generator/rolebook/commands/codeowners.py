"""`rolebook codeowners [--check]`: write .github/CODEOWNERS from the data, or check it is current."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_FINDINGS, EXIT_OK, find_repo, load_or_exit, repo_option, today
from rolebook.facts.ownership import generate_codeowners
from rolebook.infra.fileio import write_atomic
from rolebook.paths import CODEOWNERS_PATH


@click.command(name="codeowners")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if the file is missing or out of date.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the file instead of writing it.")
@repo_option
def command(check: bool, to_stdout: bool, repo_path: Path | None) -> None:
    """Write .github/CODEOWNERS: each school's folder to its approvers, offices to their approver group."""
    root = find_repo(repo_path)
    repo = load_or_exit(root)
    text = generate_codeowners(repo, today())
    target = root / CODEOWNERS_PATH
    current = repo.codeowners.text  # read by the loader
    if to_stdout:
        click.echo(text, nl=False)
        return
    if check:
        if current == text:
            click.echo(f"{CODEOWNERS_PATH} is up to date.")
            sys.exit(EXIT_OK)
        state = "is missing" if current is None else "is out of date"
        click.echo(f"{CODEOWNERS_PATH} {state}: run `rolebook codeowners` and commit the result.", err=True)
        sys.exit(EXIT_FINDINGS)
    if current == text:
        click.echo(f"{CODEOWNERS_PATH} is already up to date.")
        return
    write_atomic(target, text)
    click.echo(f"Wrote {CODEOWNERS_PATH}.")
