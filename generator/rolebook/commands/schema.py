"""`rolebook schema`: write (or check) the JSON Schemas that every YAML file refers to."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_FINDINGS, find_repo, repo_option
from rolebook.infra.fileio import write_atomic
from rolebook.model.schema import SCHEMA_DIR, schemas


@click.command(name="schema")
@click.option("--check", is_flag=True, help="Do not write; exit 1 if a schema file is missing or stale.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Folder to write to (default: {SCHEMA_DIR} in the repository).")
@repo_option
def command(check: bool, out: Path | None, repo_path: Path | None) -> None:
    """Write generator/schema/<kind>.schema.json for roles, policy, district, groups, staff and grants.

    YAML files start with `# yaml-language-server: $schema=...` pointing at these files, so the YAML
    language server autocompletes fields and flags mistakes as you type.
    """
    folder = out or find_repo(repo_path) / SCHEMA_DIR
    stale = []
    for name, text in schemas().items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(path)
        else:
            write_atomic(path, text)
            click.echo(f"wrote {path}")
    if stale:
        for path in stale:
            click.echo(f"{path}: missing or stale; run `rolebook schema`", err=True)
        sys.exit(EXIT_FINDINGS)
