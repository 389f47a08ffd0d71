"""Shared by the internal site's access tests: a small district whose readers have e-mails, its internal
build, and real nginx (Debian's) serving it with the generated configuration on a free loopback port."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import git, run_cli
from test_site_build import make_site_repo

NGINX = Path("/usr/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")
HEADER = "X-Forwarded-Email"
DOMAIN = "test.example"
AUDITOR = "90000009"
AUDITOR_LINE = ('  - {employee: "90000009", last_name: Auditor, first_name: Audrey, staff_type: classified, '
                'position: Internal Auditor, hr_status: processed, locations: [ITD]}\n')
AUDITORS_GROUP = '  - {id: district-auditors, name: District auditors, members: ["90000009"]}\n'

needs_nginx = pytest.mark.skipif(not NGINX.exists() or not MIME_TYPES.exists(),
                                 reason="Debian's nginx is not installed (apt-get install -y nginx)")


def email(employee: str) -> str:
    return f"p{employee}@{DOMAIN}"


def make_access_repo(root: Path) -> Path:
    """The site tests' district, committed, with an e-mail for everyone and a district auditors group."""
    make_site_repo(root)
    staff = root / "access/staff.yaml"
    text = staff.read_text(encoding="utf-8") + AUDITOR_LINE
    text = re.sub(r'(\{employee: "(\d+)".*)\}$', lambda m: f"{m.group(1)}, email: {email(m.group(2))}}}",
                  text, flags=re.MULTILINE)
    staff.write_text(text, encoding="utf-8")
    groups = root / "access/groups.yaml"
    groups.write_text(groups.read_text(encoding="utf-8") + AUDITORS_GROUP, encoding="utf-8")
    git(root, "commit", "-q", "-am", "Readers' e-mails and the district auditors")
    return root


def build_internal(root: Path, port: int) -> Path:
    result = run_cli("build", "--internal", "--listen", f"127.0.0.1:{port}", "--repo", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "build/internal/nginx/rolebook-internal.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main_config(prefix: Path, site_conf: Path) -> Path:
    """nginx's main configuration for a test: in the foreground, everything it writes under prefix."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read pytest's 0700 folders
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    path = prefix / "nginx.conf"
    path.write_text(f"""{user}worker_processes 1;
daemon off;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log off;
{temp}
    include {site_conf};
}}
""", encoding="utf-8")
    return path


@contextmanager
def running_nginx(site_conf: Path, port: int, prefix: Path) -> Iterator[str]:
    """Real nginx with the generated configuration; yields its URL, stops it at the end."""
    prefix.mkdir(parents=True, exist_ok=True)
    config = main_config(prefix, site_conf)
    check = subprocess.run([str(NGINX), "-t", "-p", str(prefix), "-c", str(config)], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stderr
    assert "[warn]" not in check.stderr, check.stderr  # e.g. a map hash too small for the district
    server = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()
            except urllib.error.HTTPError:
                break  # up: refused, as nobody is signed in
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def fetch(url: str, identity: str | None) -> tuple[int, bytes]:
    """Status and body of one GET, as the sign-on proxy would forward it for `identity`."""
    headers = {HEADER: identity} if identity else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def copy_repo(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build"))
    return target
