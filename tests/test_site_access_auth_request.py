"""`rolebook build --internal --auth-request URL`: real nginx (Debian's) is the way in and asks, before every
request, who is signed in (nginx's `auth_request`), as oauth2-proxy's integration guide sets it up.

oauth2-proxy itself is a Go program that neither PyPI nor Debian carries, so its /oauth2/ endpoints are
played here by a small server that keeps to their documented contract (`--reverse-proxy
--set-xauthrequest`): /oauth2/auth answers 202 with `X-Auth-Request-User` and `X-Auth-Request-Email` for a
session cookie it issued, else 401; /oauth2/sign_in is the sign-in page. Everything else is real: the
generated configuration, nginx, the built site.
"""

from __future__ import annotations

import gzip
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import git, run_cli
from site_access_support import (
    AUDITOR,
    HEADER,
    copy_repo,
    email,
    free_port,
    make_access_repo,
    needs_nginx,
    running_nginx,
)

pytestmark = [needs_nginx]

PRINCIPAL_A, TEACHER_A = "10000001", "10000003"
REPORT_A, REPORT_B = "/audit/schools/100.html", "/audit/schools/200.html"
CSV_A = "/audit/schools/security-audit-100.csv"
DASHBOARD = "/audit/index.html"
COOKIE = "_oauth2_proxy"


class SignOnStandIn(ThreadingHTTPServer):
    """oauth2-proxy's /oauth2/ endpoints, by their documented answers; `sessions` maps a cookie to the
    signed-in (user, e-mail)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sessions: dict[str, tuple[str, str]] = {}
        self.asked: list[dict[str, Any]] = []  # each /oauth2/auth subrequest: its URI, headers, body length

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: SignOnStandIn

    def do_GET(self) -> None:
        if self.path == "/oauth2/auth":
            self.server.asked.append({"uri": self.headers.get("X-Forwarded-Uri"),
                                      "length": self.headers.get("Content-Length"),
                                      "identity": self.headers.get(HEADER)})
            session = self.server.sessions.get(self._cookie() or "")
            self.send_response(202 if session else 401)
            if session:
                self.send_header("X-Auth-Request-User", session[0])
                self.send_header("X-Auth-Request-Email", session[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/oauth2/sign_in"):
            body = f"Sign in (back to {self.headers.get('X-Auth-Request-Redirect')})".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _cookie(self) -> str | None:
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value
        return None

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def sign_on() -> Iterator[SignOnStandIn]:
    server = SignOnStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def serve(root: Path, tmp: Path, sign_on: SignOnStandIn) -> Iterator[str]:
    port = free_port()
    result = run_cli("build", "--internal", "--listen", f"127.0.0.1:{port}", "--auth-request", sign_on.url,
                     "--inner-listen", f"unix:{tmp / 'inner.sock'}", "--repo", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"signing readers in with oauth2-proxy at {sign_on.url}" in result.stdout
    with running_nginx(root / "build/internal/nginx/rolebook-internal.conf", port, tmp / "nginx") as url:
        yield url


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, sign_on: SignOnStandIn) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("auth-request")
    yield from serve(make_access_repo(tmp / "repo"), tmp, sign_on)


def get(url: str, path: str, session: str | None = None, headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed: (status, headers, body)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    sent = dict(headers or {})
    if session:
        sent["Cookie"] = f"{COOKIE}={session}"
    connection.request("GET", path, headers=sent)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def signed_in(sign_on: SignOnStandIn, employee: str, user: str | None = None) -> str:
    session = f"session-{employee}"
    sign_on.sessions[session] = (user or f"user-{employee}", email(employee))
    return session


def test_a_signed_in_principal_reads_her_school_and_nothing_else(url: str, sign_on: SignOnStandIn) -> None:
    session = signed_in(sign_on, PRINCIPAL_A)
    status, _, body = get(url, REPORT_A, session)
    assert status == 200 and b"Security Audit Report" in body
    assert get(url, CSV_A, session)[0] == 200
    status, _, body = get(url, REPORT_B, session)
    assert status == 403 and email(PRINCIPAL_A).encode() in body  # the refusal names who is signed in
    assert get(url, DASHBOARD, session)[0] == 403
    status, _, body = get(url, "/my-reports/", session)
    assert status == 200 and b"/audit/schools/100.html" in body and b"/audit/schools/200.html" not in body
    assert get(url, "/roles/index.html", session)[0] == 200


def test_nobody_signed_in_is_sent_to_sign_in_and_sees_nothing(url: str) -> None:
    for path in (REPORT_A, DASHBOARD, "/roles/index.html", "/my-reports/"):
        status, headers, body = get(url, path)
        assert status == 302, path
        assert headers["location"].endswith(f"/oauth2/sign_in?rd={path}"), headers["location"]
        assert b"Security Audit Report" not in body
    status, _, body = get(url, "/oauth2/sign_in?rd=/audit/index.html")
    assert status == 200 and body.startswith(b"Sign in")  # oauth2-proxy's own page, through nginx


def test_an_identity_header_from_the_browser_never_gets_through(url: str, sign_on: SignOnStandIn) -> None:
    forged = {HEADER: email(AUDITOR)}  # what the proxy-in-front mode trusts; here nginx sets it itself
    assert get(url, DASHBOARD, headers=forged)[0] == 302  # not signed in: forging it opens nothing
    teacher = signed_in(sign_on, TEACHER_A)
    assert get(url, DASHBOARD, teacher, forged)[0] == 403  # signed in as a teacher, still a teacher
    assert get(url, REPORT_A, teacher, forged)[0] == 403
    assert get(url, "/audit/people.json", teacher, forged)[0] == 403
    # The subrequest asks about the page wanted, without a body; oauth2-proxy never needed the header.
    asked = sign_on.asked[-1]
    assert asked["uri"] == "/audit/people.json" and asked["length"] in (None, "0")


def test_an_auditor_reads_everything(url: str, sign_on: SignOnStandIn) -> None:
    session = signed_in(sign_on, AUDITOR)
    for path in (DASHBOARD, REPORT_A, REPORT_B, "/audit/people.json"):
        assert get(url, path, session)[0] == 200, path
    # Compressed through both servers (nginx passes requests on in HTTP/1.0).
    status, headers, body = get(url, "/audit/people.json", session, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip" and gzip.decompress(body).startswith(b"{")


def test_a_session_that_ends_loses_access_at_once(url: str, sign_on: SignOnStandIn) -> None:
    session = signed_in(sign_on, PRINCIPAL_A)
    assert get(url, REPORT_A, session)[0] == 200
    del sign_on.sessions[session]  # signed out, or the session expired at oauth2-proxy
    assert get(url, REPORT_A, session)[0] == 302


def test_readers_known_by_their_github_login(tmp_path: Path, sign_on: SignOnStandIn) -> None:
    """identity_field: git_username: the identity is oauth2-proxy's user (the GitHub login), not the e-mail."""
    root = copy_repo(make_access_repo(tmp_path / "base"), tmp_path / "repo")
    policy = root / "roles/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  identity_field: email\n" in text and f"  identity_header: {HEADER}\n" in text
    policy.write_text(text.replace("  identity_field: email\n", "  identity_field: git_username\n")
                      .replace(f"  identity_header: {HEADER}\n", "  identity_header: X-Forwarded-User\n"),
                      encoding="utf-8")
    git(root, "commit", "-q", "-am", "Readers known by their GitHub login")
    for url in serve(root, tmp_path, sign_on):
        by_login = signed_in(sign_on, PRINCIPAL_A, user="Pat-Park")
        assert get(url, REPORT_A, by_login)[0] == 200
        by_email_only = signed_in(sign_on, "10000002")  # the office manager has no GitHub login in the data
        assert get(url, REPORT_A, by_email_only)[0] == 403


def test_options_that_cannot_work_are_refused_before_building(tmp_path: Path) -> None:
    root = make_access_repo(tmp_path / "repo")
    bad_url = run_cli("build", "--internal", "--auth-request", "127.0.0.1:4180", "--repo", str(root))
    assert bad_url.returncode == 2 and "--auth-request '127.0.0.1:4180'" in bad_url.stderr
    same = run_cli("build", "--internal", "--auth-request", "http://127.0.0.1:4180", "--listen", "127.0.0.1:9000",
                   "--inner-listen", "127.0.0.1:9000", "--repo", str(root))
    assert same.returncode == 2 and "--inner-listen" in same.stderr
    alone = run_cli("build", "--internal", "--inner-listen", "127.0.0.1:9001", "--repo", str(root))
    assert alone.returncode == 2 and "give --auth-request too" in alone.stderr
    assert not (root / "build/internal/site").exists()  # refused before minutes of building


def test_without_an_answer_from_oauth2_proxy_nothing_is_served(tmp_path: Path) -> None:
    """oauth2-proxy down: the subrequest fails and nginx answers 500, never the page (it fails closed)."""
    root = make_access_repo(tmp_path / "repo")
    port, silent = free_port(), free_port()  # nothing listens on `silent`
    result = run_cli("build", "--internal", "--listen", f"127.0.0.1:{port}", "--auth-request",
                     f"http://127.0.0.1:{silent}", "--inner-listen", f"unix:{tmp_path / 'inner.sock'}",
                     "--repo", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    with running_nginx(root / "build/internal/nginx/rolebook-internal.conf", port, tmp_path / "nginx") as url:
        for path in (REPORT_A, DASHBOARD, "/roles/index.html"):
            status, _, body = get(url, path, "session-anyone", {HEADER: email(AUDITOR)})
            assert status == 500, path
            assert b"Security Audit Report" not in body and b"rb-" not in body
