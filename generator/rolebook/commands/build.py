"""`rolebook build [--public | --internal] [--out DIR]`: render the site and build it with MkDocs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rolebook.commands.common import EXIT_UNUSABLE, find_repo, repo_option, report_load_errors, today
from rolebook.loading import LoadFailed
from rolebook.output.site import MkDocsFailed, SiteError, generate_site, run_mkdocs

F = TypeVar("F", bound=Callable[..., Any])


def kind_option(func: F) -> F:
    """--internal / --public, shared by `build` and `serve`."""
    func = click.option("--internal", "kind", flag_value="internal",
                        help="The internal audit site: role guide, audit reports, dashboard, people.")(func)
    return click.option("--public", "kind", flag_value="public", default=True,
                        help="The public role guide: no personal data (the default).")(func)


def build(repo_path: Path | None, kind: str, out: Path | None) -> Path:
    """Generate and build; on any failure print why and exit 2. Returns the built site's folder."""
    root = find_repo(repo_path).resolve()
    started = time.perf_counter()
    try:
        config = generate_site(root, kind, root / "build" / kind, site_dir=out, today=today())
        site = run_mkdocs(config)
    except LoadFailed as failed:
        report_load_errors(failed)
        sys.exit(EXIT_UNUSABLE)
    except SiteError as error:
        click.echo(f"rolebook: {error}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except MkDocsFailed as failed:
        click.echo(failed.output, err=True)
        click.echo(f"\nrolebook: mkdocs build --strict failed ({failed.config}).", err=True)
        sys.exit(EXIT_UNUSABLE)
    click.echo(f"Built the {kind} site in {site} ({time.perf_counter() - started:.1f} s).")
    return site


@click.command(name="build")
@kind_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: build/<public|internal>/site).")
@repo_option
def command(kind: str, out: Path | None, repo_path: Path | None) -> None:
    """Build the site: the public role guide (--public) or the internal audit site (--internal).

    Pages are rendered into build/<kind>/docs, then `mkdocs build --strict` runs with
    build/<kind>/mkdocs.yml, which inherits the repository's mkdocs.yml.
    """
    build(repo_path, kind, out)
