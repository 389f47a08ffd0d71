"""`rolebook build [--public | --internal] [--out DIR]`: render the site and build it with MkDocs.

The internal build also writes the web server's access map (build/internal/nginx/rolebook-internal.conf)
from the data, so every build brings who may read what up to date. It keeps each school's report tables
and downloads in build/internal/cache, under the digest of what they show: the next build renders only
the schools whose reports changed (output/site/generate.py), and is byte for byte the build from nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rolebook.commands.common import EXIT_UNUSABLE, find_repo, repo_option, report_load_errors, today
from rolebook.loading import LoadFailed
from rolebook.output.site import MkDocsFailed, SiteError, generate_site, run_mkdocs
from rolebook.output.site.access_map import (
    DEFAULT_INNER_LISTEN,
    DEFAULT_LISTEN,
    AccessMapError,
    check_auth_request,
    check_listen,
    check_root,
    unreachable_of,
    write_access_map,
)
from rolebook.paths import STAFF_FILE

F = TypeVar("F", bound=Callable[..., Any])
UNREACHABLE_SHOWN = 20  # a first import may leave hundreds without an e-mail: the count says the rest


def kind_option(func: F) -> F:
    """--internal / --public, shared by `build` and `serve`."""
    func = click.option("--internal", "kind", flag_value="internal",
                        help="The internal audit site: role guide, audit reports, dashboard, people.")(func)
    return click.option("--public", "kind", flag_value="public", default=True,
                        help="The public role guide: no personal data (the default).")(func)


class Progress:
    """Steps of a long build on stderr, for a person at a terminal; nothing in CI logs or pipes."""

    def __init__(self) -> None:
        ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
        self.enabled = sys.stderr.isatty() and not ci
        self.started = time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.enabled:
            click.echo(f"[{time.perf_counter() - self.started:5.1f} s] {step}...", err=True)


def build(repo_path: Path | None, kind: str, out: Path | None, listen: str = DEFAULT_LISTEN,
          server_root: Path | None = None, auth_request: str | None = None,
          inner_listen: str = DEFAULT_INNER_LISTEN) -> Path:
    """Generate and build; on any failure print why and exit 2. Returns the built site's folder."""
    root = find_repo(repo_path).resolve()
    try:  # before minutes of building, not after
        check_listen(listen)
        if server_root is not None:
            check_root(server_root)
        check_auth_request(auth_request, listen, inner_listen)
    except AccessMapError as error:
        click.echo(f"rolebook: {error}", err=True)
        sys.exit(EXIT_UNUSABLE)
    progress = Progress()
    out_dir = root / "build" / kind
    try:
        config = generate_site(root, kind, out_dir, site_dir=out, today=today(), progress=progress)
        progress("Building the pages with MkDocs")
        site = run_mkdocs(config)
        access_map = None
        if kind == "internal":
            progress("Writing the access map")
            access_map = write_access_map(out_dir, site, listen, server_root, auth_request, inner_listen)
    except LoadFailed as failed:
        report_load_errors(failed)
        sys.exit(EXIT_UNUSABLE)
    except (SiteError, AccessMapError) as error:
        click.echo(f"rolebook: {error}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except MkDocsFailed as failed:
        click.echo(failed.output, err=True)
        click.echo(f"\nrolebook: mkdocs build --strict failed ({failed.config}).", err=True)
        sys.exit(EXIT_UNUSABLE)
    click.echo(f"Built the {kind} site in {site} ({time.perf_counter() - progress.started:.1f} s).")
    if access_map is not None:
        behind = f", signing readers in with oauth2-proxy at {auth_request}" if auth_request else ""
        click.echo(f"Access map for nginx: {access_map} (serves {server_root or site} on {listen}{behind}).")
        _tell_unreachable(out_dir)
    return site


def _tell_unreachable(out_dir: Path) -> None:
    """Readers the web server cannot recognise: they are refused until the data gives them an identity."""
    unreachable = unreachable_of(out_dir)
    if not unreachable:
        return
    click.echo(f"Notice: {len(unreachable)} reader(s) of the audit pages cannot be recognised by the web "
               f"server and will be refused; add the field to {STAFF_FILE}:", err=True)
    for person in unreachable[:UNREACHABLE_SHOWN]:
        click.echo(f"  {person.employee} {person.name} ({person.reads}): {person.why}", err=True)
    if len(unreachable) > UNREACHABLE_SHOWN:
        click.echo(f"  ... and {len(unreachable) - UNREACHABLE_SHOWN} more (build/internal/readers.json)",
                   err=True)


def site_options(func: F) -> F:
    """--listen, --server-root and --auth-request: where the generated nginx configuration listens, what
    it serves, and whether it asks oauth2-proxy who is signed in."""
    func = click.option("--inner-listen", default=DEFAULT_INNER_LISTEN, show_default=True,
                        help="With --auth-request: the address of the server that checks each reader, "
                             "reached only through the one on --listen (loopback, or better unix:/PATH).")(func)
    func = click.option("--auth-request", metavar="URL", default=None,
                        help="oauth2-proxy's address (http://127.0.0.1:4180): nginx is then the way in and "
                             "asks oauth2-proxy who is signed in before each request (auth_request), "
                             "instead of trusting a header from a proxy in front of it.")(func)
    func = click.option("--server-root", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Where the built internal site will live on the web server's host (default: "
                             "the folder it is built in).")(func)
    return click.option("--listen", default=DEFAULT_LISTEN, show_default=True,
                        help="The generated nginx configuration's listen address (--internal): keep it "
                             "on loopback or a Unix socket only the sign-on proxy reaches (with "
                             "--auth-request, the address readers reach).")(func)


@click.command(name="build")
@kind_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: build/<public|internal>/site).")
@site_options
@repo_option
def command(kind: str, out: Path | None, listen: str, server_root: Path | None, auth_request: str | None,
            inner_listen: str, repo_path: Path | None) -> None:
    """Build the site: the public role guide (--public) or the internal audit site (--internal).

    Pages are rendered into build/<kind>/docs, then `mkdocs build --strict` runs with
    build/<kind>/mkdocs.yml, which inherits the repository's mkdocs.yml. The internal build also writes
    build/internal/nginx/rolebook-internal.conf: nginx serving the site, each page only to its readers.
    """
    build(repo_path, kind, out, listen, server_root, auth_request, inner_listen)
