"""What every command shares: --repo, loading with clean errors, output formats, today's date."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rolebook.paths import DATA_DIRS

if TYPE_CHECKING:  # loading pulls in pydantic and the models: imported when a command loads data
    from rolebook.loading import LoadFailed, Repository

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2


def repo_option(func: F) -> F:
    return click.option(
        "--repo", "repo_path", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="The access repository (default: the Git repository around the current folder).",
    )(func)


def find_repo(path: Path | None) -> Path:
    if path is not None:
        return path
    here = Path.cwd()
    for candidate in (here, *here.parents):
        if all((candidate / folder).is_dir() for folder in DATA_DIRS):
            return candidate
    return here


def load_or_exit(path: Path | None) -> Repository:
    """Load the repository; on failure print every problem with file:line:column and exit 2."""
    from rolebook.loading import LoadFailed, load_repository

    try:
        return load_repository(find_repo(path))
    except LoadFailed as failed:
        report_load_errors(failed)
        sys.exit(EXIT_UNUSABLE)


def report_load_errors(failed: LoadFailed) -> None:
    for error in failed.errors:
        click.echo(error.format(), err=True)
    files = len({e.file for e in failed.errors})
    click.echo(f"\n{len(failed.errors)} problem(s) in {files} file(s): the data cannot be loaded.", err=True)


def today() -> dt.date:
    """Today, or ROLEBOOK_TODAY (YYYY-MM-DD) so that tests and reports can pin the date."""
    pinned = os.environ.get("ROLEBOOK_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.date.today()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option("--format", "output_format", type=click.Choice(list(choices)), default=default,
                            show_default=True, help="Output format.")(func)
    return decorate
