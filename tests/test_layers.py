"""The layers hold: the import contracts in pyproject.toml pass, and they catch the next upward import or cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
                          cwd=package_parent, env=env, capture_output=True, text=True, check=False)


def copy_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "generator" / "rolebook", tmp_path / "rolebook",
                    ignore=shutil.ignore_patterns("__pycache__", "templates", "assets"))
    return tmp_path / "rolebook"


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is part of the test extra")
def test_the_package_keeps_its_layers() -> None:
    result = lint_imports(ROOT / "generator")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is part of the test extra")
def test_an_upward_import_breaks_the_build(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    models = package / "model" / "files.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nimport rolebook.policy.check  # noqa\n",
                      encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "rolebook.model is not allowed to import rolebook.policy" in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is part of the test extra")
def test_a_cycle_inside_a_layer_breaks_the_build(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    # resolve already imports loading; loading importing resolve back closes a cycle among the facts' siblings
    diff = package / "facts" / "diff.py"
    resolve = package / "facts" / "resolve.py"
    resolve.write_text(resolve.read_text(encoding="utf-8") + "\nimport rolebook.facts.diff  # noqa\n",
                       encoding="utf-8")
    assert "rolebook.facts.resolve" in diff.read_text(encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "No cycles are allowed in rolebook.facts" in result.stdout


def test_module_names_say_what_they_are() -> None:
    """No two modules share a name, except a command module (`commands/X.py`, one per command, named after it)."""
    package = ROOT / "generator" / "rolebook"
    seen: dict[str, list[str]] = {}
    for module in package.rglob("*.py"):
        if module.name == "__init__.py" or module.parent.name == "commands":
            continue
        seen.setdefault(module.name, []).append(module.relative_to(package).as_posix())
    assert {name: places for name, places in seen.items() if len(places) > 1} == {}
