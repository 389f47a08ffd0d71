"""`rolebook apply` at scale: pages as large as the server allows, and the benchmark's seeded server.

The benchmark does not load its SCIM server with an apply from empty (16 minutes at 1,000 schools): it
starts scim2-server's application already holding what that apply creates (`benchmarks.apply_seed`,
`benchmarks.apply_server`). These tests prove the two are the same, on the demo district: one real
scim2-server loaded by a real `rolebook apply`, one seeded server, compared resource by resource; and
the full plan against the seeded server changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import REPO_ROOT, TODAY, git_init, make_mini_repo
from rolebook.apply.scim import MAX_PAGE
from test_apply import Proxy, Scim, apply, demo_repo, free_port, plan_json
from test_apply import scim as scim


def seeded_server(seed: Path | None, max_results: int | None = None) -> tuple[subprocess.Popen[str], Scim]:
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.apply_server", "--port", str(port)]
    argv += ["--seed", str(seed)] if seed else []
    argv += ["--max-results", str(max_results)] if max_results else []
    process = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process, Scim(f"http://127.0.0.1:{port}/v2")


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def contents(scim: Scim) -> tuple[dict[str, Any], dict[str, Any]]:
    """Users by externalId and groups by name, as the server returns them, without what a server makes
    up (id, meta) and with members named by their user's externalId."""
    users = scim.get("/Users?count=100000")["Resources"]
    employee_of = {u["id"]: u["externalId"] for u in users}
    by_employee = {u["externalId"]: {k: v for k, v in u.items() if k not in {"id", "meta"}} for u in users}
    groups = {}
    for group in scim.get("/Groups?count=100000")["Resources"]:
        kept = {k: v for k, v in group.items() if k not in {"id", "meta", "members"}}
        kept["members"] = sorted(employee_of[m["value"]] for m in group.get("members") or [])
        groups[group["displayName"]] = kept
    return by_employee, groups


def test_a_seeded_server_holds_what_apply_from_empty_creates(tmp_path: Path, scim: Scim,
                                                             servers: list[subprocess.Popen[str]]) -> None:
    applied = demo_repo(tmp_path / "applied")
    result = apply(applied, scim.url)
    assert result.returncode == 0 and "result complete" in result.stdout, result.stdout + result.stderr

    seeded_repo = demo_repo(tmp_path / "seeded")
    port = free_port()
    url = f"http://127.0.0.1:{port}/v2"
    seed = tmp_path / "seed.json"
    made = subprocess.run([sys.executable, "-m", "benchmarks.apply_seed", str(seeded_repo), url, str(seed)],
                          cwd=REPO_ROOT, env={**os.environ, "ROLEBOOK_TODAY": TODAY}, capture_output=True,
                          text=True, check=False)
    assert made.returncode == 0, made.stderr
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.apply_server", "--port", str(port), "--seed",
                                str(seed)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    servers.append(process)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    seeded = Scim(url)

    want_users, want_groups = contents(scim)
    assert len(want_users) > 10 and len(want_groups) > 10
    assert contents(seeded) == (want_users, want_groups)
    plan = plan_json(seeded_repo, url)  # the full plan, with Rolebook owning the seeded users
    assert {k: v for k, v in plan["counts"].items() if v} == {}  # skipped included: Rolebook owns them all


def test_the_full_read_asks_for_the_largest_page_the_server_allows(tmp_path: Path,
                                                                   servers: list[subprocess.Popen[str]]) -> None:
    repo = git_init(make_mini_repo(tmp_path / "mini"))
    for max_results, asked in ((3, 3), (10 * MAX_PAGE, MAX_PAGE)):
        process, scim = seeded_server(None, max_results)
        servers.append(process)
        proxy = Proxy(scim.url)
        server = proxy.start()
        try:
            assert apply(repo, proxy.url).returncode == 0
            proxy.exchanges.clear()
            assert plan_json(repo, proxy.url)["counts"]["create_users"] == 0
        finally:
            server.shutdown()
        reads = [(urlsplit(path).path, parse_qs(urlsplit(path).query)) for method, path, _, _ in proxy.exchanges
                 if method == "GET" and ("/Users" in path or "/Groups" in path)]
        assert reads and {query["count"][0] for _, query in reads} == {str(asked)}
        users = scim.get("/Users?count=1")["totalResults"]
        user_pages = [query for path, query in reads if path.endswith("/Users")]
        assert len(user_pages) == -(-users // asked)  # every user once, in as few pages as allowed
        assert "meta.version" in user_pages[0]["attributes"][0].split(",")  # what If-Match needs, not all meta
        assert "meta" not in user_pages[0]["attributes"][0].split(",")


def test_the_seed_file_is_creation_bodies_with_ids(tmp_path: Path) -> None:
    """The seed's members point at the seed's user ids, as an apply's groups point at created users."""
    repo = git_init(make_mini_repo(tmp_path / "mini"))
    seed = tmp_path / "seed.json"
    made = subprocess.run([sys.executable, "-m", "benchmarks.apply_seed", str(repo), "http://127.0.0.1:1/v2",
                           str(seed)], cwd=REPO_ROOT, env={**os.environ, "ROLEBOOK_TODAY": TODAY},
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    data = json.loads(seed.read_text())
    ids = {u["id"] for u in data["users"]}
    assert all(m["value"] in ids for g in data["groups"] for m in g.get("members", []))
    assert len(ids) == len(data["users"]) and all(len(i) == 32 for i in ids)


def test_a_server_failing_during_the_full_read_stops_the_plan_with_a_message(tmp_path: Path, scim: Scim) -> None:
    """The read runs beside the repository's load: its failure still reaches the command, in words."""
    repo = git_init(make_mini_repo(tmp_path / "mini"))
    proxy = Proxy(scim.url, fail_after=1)  # the discovery passes, the first page of users fails
    server = proxy.start()
    try:
        result = apply(repo, proxy.url, "--plan")
    finally:
        server.shutdown()
    assert result.returncode == 2
    assert "cannot read the service provider" in result.stderr and "list users: HTTP 500" in result.stderr
    assert "Traceback" not in result.stderr
    assert [method for method, *_ in proxy.exchanges] == ["GET"] * len(proxy.exchanges)
