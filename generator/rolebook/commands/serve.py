"""`rolebook serve [--public | --internal]`: build the site, then preview it on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import click

from rolebook.commands.build import build, kind_option
from rolebook.commands.common import repo_option


@click.command(name="serve")
@kind_option
@click.option("--port", type=int, default=8000, show_default=True, help="Port on 127.0.0.1.")
@repo_option
def command(kind: str, port: int, repo_path: Path | None) -> None:
    """Build the site, then serve it at http://127.0.0.1:PORT/ until Ctrl+C. Rebuild to see changes.

    A preview for the person at this machine: every page to whoever connects. The internal site is
    published with the nginx configuration the build writes, which gives each page only to its readers.
    """
    site = build(repo_path, kind, None)
    if kind == "internal":
        click.echo("Preview only: this server checks nobody's access. Publish the internal site with "
                   "build/internal/nginx/rolebook-internal.conf (see the guide's internal-site page).", err=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"Serving the {kind} site at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C stops).")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("Stopped.")
