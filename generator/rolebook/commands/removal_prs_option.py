"""`--open-prs FILE` for every command that prepares a removal: who the open removal PRs already hold."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rolebook.commands.common import EXIT_UNUSABLE
from rolebook.facts import removal_marker

F = TypeVar("F", bound=Callable[..., Any])

HELP = ("JSON of the open pull requests, as GitHub's REST API lists them (gh api "
        "\"repos/OWNER/REPO/pulls?state=open&per_page=100\"): anyone an open removal PR holds is left to it.")


def open_prs_option(func: F) -> F:
    return click.option("--open-prs", "open_prs_path", type=click.Path(dir_okay=False, path_type=Path),
                        help=HELP)(func)


def read_or_exit(path: Path | None) -> list[removal_marker.OpenPR]:
    """The open PRs of the file (none without one); a file of the wrong shape ends the command (exit 2)."""
    if path is None:
        return []
    try:
        return removal_marker.read_open_prs(path)
    except removal_marker.OpenPRsError as exc:
        click.echo(f"rolebook: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
