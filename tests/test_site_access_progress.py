"""`rolebook build` shows its steps to a person at a terminal, and stays quiet in CI logs and pipes."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, make_mini_repo

STEP = "Building the pages with MkDocs..."


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_mini_repo(tmp_path_factory.mktemp("progress") / "repo")
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


def build_on_terminal(root: Path, **env: str) -> tuple[int, str]:
    """The public build with stderr on a pseudo-terminal: its exit code and what the terminal showed."""
    full_env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_COLOR": "1", **env}
    for name in ("CI", "GITHUB_ACTIONS"):
        if name not in env:
            full_env.pop(name, None)
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "rolebook", "build", "--public", "--repo", str(root)],
                               stdout=subprocess.DEVNULL, stderr=follower, env=full_env)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal's other end closed: the build has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=600), shown.decode("utf-8", "replace")


def test_terminal_shows_progress(repo: Path) -> None:
    code, shown = build_on_terminal(repo)
    assert code == 0, shown
    assert "Loading the data..." in shown and STEP in shown


def test_ci_terminal_stays_quiet(repo: Path) -> None:
    code, shown = build_on_terminal(repo, CI="true")
    assert code == 0, shown
    assert STEP not in shown


def test_pipe_stays_quiet(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    result = subprocess.run([sys.executable, "-m", "rolebook", "build", "--public", "--repo", str(repo)],
                            capture_output=True, text=True, env={**env, "ROLEBOOK_TODAY": TODAY}, check=False)
    assert result.returncode == 0, result.stderr
    assert STEP not in result.stderr and "Built the public site" in result.stdout
