"""`rolebook apply --scim`: a real scim2-server on 127.0.0.1, real Git repositories, the real CLI.

A small proxy on 127.0.0.1 sits between Rolebook and the server when a test needs to see every request
(the server's own validation must accept each one), answer 429, or fail half-way with 500s.
"""

from __future__ import annotations

import datetime as dt
import http.client
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import REPO_ROOT, TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.apply import rendering
from rolebook.apply.plan import desired_state
from rolebook.apply.runner import prepare
from rolebook.facts.applied import read_runs
from rolebook.loading import load_repository
from scim2_models import Context, Group, PatchOp, User

DAY = dt.date.fromisoformat(TODAY)
SERVER = Path(sys.executable).parent / "scim2-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Scim:
    url: str

    def get(self, path: str) -> Any:
        response = httpx2.get(f"{self.url}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def users(self) -> dict[str, dict[str, Any]]:
        """Every user, by externalId (or userName when it has none)."""
        found = self.get("/Users?count=100000")
        return {u.get("externalId") or u["userName"]: u for u in found.get("Resources", [])}

    def groups(self) -> dict[str, dict[str, Any]]:
        found = self.get("/Groups?count=100000")
        return {g["displayName"]: g for g in found.get("Resources", [])}

    def memberships(self) -> set[tuple[str, str]]:
        """(group name, employee) for every member of every group."""
        employee_of = {u["id"]: key for key, u in self.users().items()}
        return {(name, employee_of.get(m["value"], m["value"])) for name, g in self.groups().items()
                for m in g.get("members") or []}

    def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], **body}
        response = httpx2.post(f"{self.url}/Users", json=body, timeout=30,
                               headers={"Content-Type": "application/scim+json"})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def scim() -> Iterator[Scim]:
    """A scim2-server of its own, in memory, on a free port of 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen([str(SERVER), "--hostname", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v2"
    try:
        for _ in range(100):
            try:
                httpx2.get(f"{url}/ServiceProviderConfig", timeout=1)
                break
            except httpx2.TransportError:
                time.sleep(0.1)
        yield Scim(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Proxy:
    """Forwards to the server; records every exchange; can answer 429 first or 500 after `fail_after`."""

    upstream: str
    url: str = ""
    exchanges: list[tuple[str, str, int, bytes]] = field(default_factory=list)
    fail_after: int | None = None
    too_many_first: int = 0
    if_match: list[str | None] = field(default_factory=list)  # the header of every PATCH forwarded

    def start(self) -> http.server.ThreadingHTTPServer:
        proxy = self
        target = httpx2.URL(self.upstream)

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "PATCH":
                    proxy.if_match.append(self.headers.get("If-Match"))
                if proxy.too_many_first > 0:
                    proxy.too_many_first -= 1
                    self._answer(429, b"slow down", {"Retry-After": "0"})
                    proxy.exchanges.append((self.command, self.path, 429, body))
                    return
                if proxy.fail_after is not None and len(proxy.exchanges) >= proxy.fail_after:
                    self._answer(500, b"broken", {})
                    proxy.exchanges.append((self.command, self.path, 500, body))
                    return
                connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length"}}
                path = self.path.replace("/proxy", target.path.rsplit("/v2", 1)[0], 1)
                connection.request(self.command, path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                proxy.exchanges.append((self.command, self.path, answer.status, body))
                keep = {k: v for k, v in answer.getheaders() if k.lower() in {"content-type", "etag", "location"}}
                self._answer(answer.status, data, keep)
                connection.close()

            def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}/proxy/v2"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture
def proxy(scim: Scim) -> Iterator[Proxy]:
    found = Proxy(scim.url)
    server = found.start()
    try:
        yield found
    finally:
        server.shutdown()


def demo_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "roles", root / "roles")
    shutil.copytree(REPO_ROOT / "access", root / "access")
    return git_init(root, "Demo district")


def apply(repo: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("apply", "--scim", url, "--repo", str(repo), *args)


def plan_json(repo: Path, url: str) -> dict[str, Any]:
    result = apply(repo, url, "--plan", "--format", "json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def changes_only(data: dict[str, Any]) -> dict[str, Any]:
    """The plan's lists that are not empty."""
    found = {f"{kind}.{verb}": items for kind in ("users", "groups", "members")
             for verb, items in data[kind].items() if items}
    return found


# ---------------------------------------------------------------------------- the demo district


def test_the_demo_from_empty_then_a_one_grant_pr_planned_merged_and_applied(tmp_path: Path, scim: Scim) -> None:
    """One journey, so the demo district is provisioned once: apply from empty creates the demo's users and
    groups; a second run changes nothing; a one-grant PR's plan names exactly that change; after the
    merge apply makes it, and the run after that changes nothing."""
    repo = demo_repo(tmp_path / "demo")
    first = apply(repo, scim.url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "result complete" in first.stdout

    loaded = load_repository(repo)
    desired = desired_state(loaded, DAY)
    users = scim.users()
    assert set(users) == set(desired.users)
    for employee, want in desired.users.items():
        assert users[employee]["userName"] == want.user_name
        assert users[employee]["active"] is want.active
    groups = scim.groups()
    assert set(groups) == set(desired.groups)
    assert scim.memberships() == {(name, e) for name, g in desired.groups.items() for e in g.members}
    assert all(g["externalId"] == f"rolebook:{name}" for name, g in groups.items())
    second = apply(repo, scim.url)
    assert second.returncode == 0 and "No changes" in second.stdout
    runs = read_runs(repo)
    assert [r.result for r in runs] == ["complete", "complete"]
    assert runs[0].commit == git(repo, "rev-parse", "HEAD")
    assert len(runs[0].created_users) == len(desired.users)

    # Someone already provisioned at a school, gaining a role whose group there exists already.
    school, employee, role = next(
        (code, e, access_role)
        for code, record in sorted(loaded.grants.items()) if code in loaded.schools
        for e in sorted({g.employee for g in record.model.grants})
        for access_role in ("teacher", "counselor", "office-manager")
        if desired.users[e].active
        and f"rolebook-{code}-{access_role}" in desired.groups
        and e not in desired.groups[f"rolebook-{code}-{access_role}"].members)
    git(repo, "switch", "-q", "-c", "request/one-grant")
    grants = repo / "access" / "schools" / school / "grants.yaml"
    grants.write_text(grants.read_text() + f'  - employee: "{employee}"\n    roles: [{role}]\n'
                      "    granted: 2026-11-01\n    expires: 2027-06-30\n    reason: One more role\n")
    commit_all(repo, "One grant")

    plan = plan_json(repo, scim.url)
    group = f"rolebook-{school}-{role}"
    assert changes_only(plan) == {"members.add": [
        {"group": group, "employee": employee, "display_name": desired.users[employee].display_name}]}
    text = apply(repo, scim.url, "--plan").stdout
    assert f"+ member {employee}" in text and "members: 1 to add, 0 to remove" in text
    # The PR's plan reads only the people it touches; the full plan, from everything, says the same.
    full = prepare(repo, load_repository(repo), scim.url, None, DAY)
    full.connection.close()
    assert rendering.plan_json(full.plan, full.verdict)["members"] == plan["members"]
    assert rendering.plan_json(full.plan, full.verdict)["counts"] == plan["counts"]
    assert (group, employee) not in scim.memberships()  # a plan changes nothing

    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from district/request/one-grant",
        "request/one-grant")
    made = apply(repo, scim.url)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Applied: 1 change(s) made" in made.stdout
    assert (group, employee) in scim.memberships()
    assert changes_only(plan_json(repo, scim.url)) == {}
    again = apply(repo, scim.url)
    assert again.returncode == 0 and "Applied: 0 change(s) made" in again.stdout
    runs = read_runs(repo)
    assert runs[-2].commit == git(repo, "rev-parse", "HEAD") and runs[-2].base == runs[0].commit


# ---------------------------------------------------------------------------- the minimal district


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return git_init(make_mini_repo(tmp_path / "mini"))


def test_a_leavers_removal_deactivates_the_user_and_removes_the_memberships(mini: Path, scim: Scim) -> None:
    assert apply(mini, scim.url).returncode == 0
    assert ("rolebook-100-teacher", "10000003") in scim.memberships()
    grants = mini / "access/schools/100/grants.yaml"
    text = grants.read_text()
    start = text.index('  - employee: "10000003"')
    grants.write_text(text[:start])
    commit_all(mini, "Remove access: separated staff")

    plan = plan_json(mini, scim.url)
    assert [u["employee"] for u in plan["users"]["deactivate"]] == ["10000003"]
    assert plan["members"]["remove"] == [{"group": "rolebook-100-teacher", "employee": "10000003",
                                          "display_name": "Carl Chen"}]
    result = apply(mini, scim.url)
    assert result.returncode == 0, result.stdout + result.stderr
    user = scim.users()["10000003"]
    assert user["active"] is False
    assert not {m for m in scim.memberships() if m[1] == "10000003"}
    assert changes_only(plan_json(mini, scim.url)) == {}


def test_a_locked_grant_makes_the_user_inactive_without_memberships(mini: Path, scim: Scim) -> None:
    grants = mini / "access/schools/200/grants.yaml"
    grants.write_text(grants.read_text().replace(
        '- employee: "20000002"\n    roles: [counselor]\n',
        '- employee: "20000002"\n    roles: [counselor]\n    status: locked\n'))
    commit_all(mini, "Lock a counselor")
    assert apply(mini, scim.url).returncode == 0
    assert scim.users()["20000002"]["active"] is False
    assert not {m for m in scim.memberships() if m[1] == "20000002"}


def _empty_school_200(mini: Path, acknowledgement: str | None = None) -> None:
    ack = f"acknowledge_removals: {acknowledgement}\n" if acknowledgement else ""
    write_files(mini, {"access/schools/200/grants.yaml": f'location: "200"\n{ack}grants: []\n'})
    commit_all(mini, "Remove everything at 200")


def test_a_plan_over_the_removal_guard_stops_without_changing_anything(mini: Path, scim: Scim) -> None:
    assert apply(mini, scim.url).returncode == 0
    before_users, before_groups = scim.users(), scim.groups()
    _empty_school_200(mini)

    plan = plan_json(mini, scim.url)
    assert plan["guard"]["stops"] is True
    assert {"scope": "200", "removed": 3, "total": 4, "acknowledged": False} in plan["guard"]["over"]
    stopped = apply(mini, scim.url)
    assert stopped.returncode == 1
    assert "NOT acknowledged" in stopped.stdout and "Apply stops here and changes nothing" in stopped.stdout
    assert scim.users() == before_users and scim.groups() == before_groups
    assert read_runs(mini)[-1].result == "stopped"

    flagged = apply(mini, scim.url, "--acknowledge-removals", "200", "--acknowledge-removals", "district")
    assert flagged.returncode == 0, flagged.stdout
    at_200 = {m for m in scim.memberships() if m[0].startswith("rolebook-200-")}
    assert at_200 == {("rolebook-200-district-administrator", "90000005")}  # via cluster ld-test: kept


def test_an_acknowledgement_in_the_grants_file_lets_the_removal_through(mini: Path, scim: Scim) -> None:
    assert apply(mini, scim.url).returncode == 0
    _empty_school_200(mini, "Oak High School closes its SIS accounts (board decision 2026-11)")
    result = apply(mini, scim.url)
    assert result.returncode == 0, result.stdout
    assert "acknowledged" in result.stdout and "NOT acknowledged" not in result.stdout
    assert scim.users()["20000002"]["active"] is False


def test_users_rolebook_did_not_create_are_left_alone_unless_adopted(mini: Path, scim: Scim) -> None:
    in_data = scim.create_user({"userName": "carl.chen", "externalId": "10000003", "active": True,
                                "displayName": "Carl (made by hand)"})
    service = scim.create_user({"userName": "svc-backup", "externalId": "svc-backup", "active": True})
    result = apply(mini, scim.url)
    assert result.returncode == 0, result.stdout
    assert "user 10000003 left alone" in result.stdout
    users = scim.users()
    assert users["10000003"] == in_data and users["svc-backup"] == service  # same version: never written
    assert not {m for m in scim.memberships() if m[1] in {"10000003", "svc-backup"}}
    assert "20000001" in users  # the others were provisioned

    write_files(mini, {"roles/policy.yaml": (REPO_ROOT / "roles/policy.yaml").read_text()
                       + "apply:\n  adopt_users: [\"10000003\"]\n"})
    commit_all(mini, "Adopt the hand-made account of 10000003")
    adopted = apply(mini, scim.url)
    assert adopted.returncode == 0, adopted.stdout
    assert scim.users()["10000003"]["displayName"] == "Carl Chen"
    assert ("rolebook-100-teacher", "10000003") in scim.memberships()
    assert scim.users()["svc-backup"] == service


def test_a_server_failing_half_way_leaves_a_report_and_the_next_run_completes(
        mini: Path, scim: Scim, proxy: Proxy) -> None:
    proxy.too_many_first = 2  # rate-limited first: waited out, then served
    proxy.fail_after = 12
    broken = apply(mini, proxy.url)
    assert broken.returncode == 1
    assert "result partial" in broken.stdout and "HTTP 500" in broken.stdout
    assert "not attempted: " in broken.stdout and "Run apply again" in broken.stdout
    assert "Traceback" not in broken.stderr
    assert read_runs(mini)[-1].result == "partial"
    assert [status for _, _, status, _ in proxy.exchanges[:3]] == [429, 429, 200]

    proxy.fail_after = None
    finished = apply(mini, proxy.url)
    assert finished.returncode == 0, finished.stdout
    assert "result complete" in finished.stdout
    desired = desired_state(load_repository(mini), DAY)
    assert set(scim.users()) == set(desired.users)
    assert scim.memberships() == {(name, e) for name, g in desired.groups.items() for e in g.members}
    assert changes_only(plan_json(mini, proxy.url)) == {}


def test_the_server_accepts_every_request_rolebook_sends(mini: Path, scim: Scim, proxy: Proxy) -> None:
    assert apply(mini, proxy.url).returncode == 0
    grants = mini / "access/schools/100/grants.yaml"
    text = grants.read_text()
    grants.write_text(text[:text.index('  - employee: "10000003"')])
    write_files(mini, {"access/staff.yaml": (mini / "access/staff.yaml").read_text().replace(
        "last_name: Rivera", "last_name: Rivera-Lopez")})
    commit_all(mini, "A leaver and a name change")
    assert apply(mini, proxy.url).returncode == 0
    writes = [(method, path, status, body) for method, path, status, body in proxy.exchanges if method != "GET"]
    assert {method for method, *_ in writes} == {"POST", "PATCH"}
    assert all(status < 400 for _, _, status, _ in proxy.exchanges), [e[:3] for e in proxy.exchanges]
    for method, path, _, body in writes:  # and every payload is what RFC 7643/7644 allow in its context
        payload = json.loads(body)
        if method == "POST":
            model = User if "/Users" in path else Group
            model.model_validate(payload, scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        else:
            model = User if "/Users/" in path else Group
            PatchOp[model].model_validate(payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST)  # type: ignore[valid-type]
    assert proxy.if_match and all(tag and tag.startswith('W/"') for tag in proxy.if_match)  # ETags honoured


def test_bad_input_exits_2_with_a_message(mini: Path, scim: Scim) -> None:
    unreachable = apply(mini, f"http://127.0.0.1:{free_port()}/v2", "--plan")
    assert unreachable.returncode == 2 and "cannot read the service provider" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr
    neither = run_cli("apply", "--repo", str(mini))
    assert neither.returncode == 2 and "exactly one of --scim URL and --export FILE" in neither.stderr
    unknown = apply(mini, scim.url, "--acknowledge-removals", "999")
    assert unknown.returncode == 2 and "not a school or office code" in unknown.stderr
    write_files(mini, {"roles/policy.yaml": "apply:\n  group_name: \"{school}-{role}\"\n"})
    bad_policy = apply(mini, scim.url, "--plan")
    assert bad_policy.returncode == 2 and "roles/policy.yaml" in bad_policy.stderr
    assert "{school}" in bad_policy.stderr
    dirty = apply(mini, scim.url)
    assert dirty.returncode == 2 and "not committed" in dirty.stderr


def test_the_policy_names_the_groups(tmp_path: Path) -> None:
    policy = (REPO_ROOT / "roles/policy.yaml").read_text() + (
        "apply:\n  group_name: \"SIS {location_name} / {role_name}\"\n  groups: {principal: Principals}\n")
    repo = load_repository(make_mini_repo(tmp_path / "repo", {"roles/policy.yaml": policy}))
    desired = desired_state(repo, DAY)
    assert desired.groups["Principals"].members == {"10000001", "20000001"}  # one group, every location
    assert desired.groups["Principals"].locations == {"100", "200"}
    assert desired.groups["SIS Maple Elementary / Teacher"].members == {"10000003"}


def test_the_audit_report_shows_when_each_grant_reached_the_live_system(tmp_path: Path, scim: Scim) -> None:
    repo = make_mini_repo(tmp_path / "site")
    shutil.copy(REPO_ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "site", repo / "site")
    (repo / ".gitignore").write_text("build/\n", encoding="utf-8")
    git_init(repo)
    assert apply(repo, scim.url).returncode == 0
    grants = repo / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text() + '  - employee: "20000002"\n    roles: [teacher]\n'
                      "    granted: 2026-11-01\n    expires: 2027-06-30\n")
    commit_all(repo, "A grant not applied yet")
    built = run_cli("build", "--internal", "--repo", str(repo), env={"NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    page = (repo / "build/internal/site/audit/schools/100.html").read_text(encoding="utf-8")
    applied_on = read_runs(repo)[0].finished[:10]
    assert '<th scope="col">Live since</th>' in page
    row_of = {e: page[page.index(f"<td>{e}</td>"):].split("</tr>", 1)[0] for e in ("10000001", "20000002")}
    assert f"<td>{applied_on}</td>" in row_of["10000001"]
    assert "<td>not yet</td>" in row_of["20000002"]
