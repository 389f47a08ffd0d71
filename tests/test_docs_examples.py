"""Every `rolebook ...` command in README.md and the guides (site/**/*.md) runs, as written.

Commands run through the real CLI on a copy of the demo district in a real Git repository; the
adoption guide's `rolebook init` and `rolebook import` run in a folder of their own on the sample files
the guide shows. A synopsis (placeholders such as FILE or CODE, [optional] parts, `a / b` choices) is
checked by its command's --help. Commands that cannot run here are listed below with the reason.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, git_init, run_cli

pytestmark = pytest.mark.slow  # builds the demo's sites and runs the CLI about forty times

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "site").rglob("*.md"))]
SKIPPED = {
    "rolebook serve --public": "starts a web server that runs until it is stopped",
    "rolebook serve": "starts a web server that runs until it is stopped",
    "rolebook approvals": "needs a GitHub pull request: its number, reviews and token from GitHub Actions",
}
# Named in prose or in the command table, without the arguments they need: checked by --help.
NAMED_ONLY = {"rolebook", "rolebook revoke", "rolebook transfer", "rolebook init", "rolebook hr sync",
              "rolebook logins import", "rolebook drift", "rolebook offboard", "rolebook review apply",
              "rolebook record-approvals"}
ADOPTION = ("rolebook init ", "rolebook import ")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\.\.\.|\||\s/\s")
FENCE = re.compile(r"^\s*```(\w*)\n(.*?)^\s*```", re.MULTILINE | re.DOTALL)
SAMPLES = {
    "security-audit.csv": (
        "Location Code,Employee Number,School Name,User Role(s),Last Name,First Name,Last Login Date,Staff Type,"
        "Status\n0101,01000001,École Élémentaire Saint-Éloi,Principal,Núñez,José,11/02/2026,Certificated,Active\n"
        "0101,01000002,École Élémentaire Saint-Éloi,Health Office Clerk,Björk,Ana,,Classified,Active\n"),
    "hr.csv": ("employee_number,last_name,first_name,staff_type,position,hr_status,location_codes\n"
               "01000001,Núñez,José,certificated,Principal,processed,0101\n"
               "01000002,Björk,Ana,classified,Health Office Clerk,processed,0101\n"),
    "sis-roles.yaml": '"Health Office Clerk": health-office\n',
}


def commands_in(path: Path) -> list[str]:
    """Every rolebook command line of a Markdown file: in fenced blocks, and in inline code."""
    text = path.read_text(encoding="utf-8")
    found: list[str] = []
    for _, body in FENCE.findall(text):
        for line in body.splitlines():
            line = line.strip()
            if line.startswith("rolebook ") or line == "rolebook":
                found.append(line)
    prose = FENCE.sub("", text)
    for span in re.findall(r"`(rolebook(?:\s[^`]*)?)`", prose):
        found.append(" ".join(span.split()))
    return list(dict.fromkeys(found))


def _documented() -> list[tuple[str, str]]:
    return [(path.relative_to(REPO_ROOT).as_posix(), command) for path in DOCS for command in commands_in(path)]


def _is_synopsis(command: str) -> bool:
    return command in NAMED_ONLY or bool(PLACEHOLDER.search(command.replace("\\|", "|")))


RUNNABLE = [(doc, c) for doc, c in _documented()
            if not _is_synopsis(c) and c not in SKIPPED and not c.startswith(ADOPTION)]
SYNOPSES = [(doc, c) for doc, c in _documented() if _is_synopsis(c) or c in SKIPPED]
ADOPTING = [(doc, c) for doc, c in _documented() if c.startswith(ADOPTION) and not _is_synopsis(c)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "repo"
    root.mkdir()
    for folder in ("roles", "access", "site", ".github"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return git_init(root)


def test_the_docs_have_commands_to_check() -> None:
    commands = {c for _, c in _documented()}
    assert 'rolebook request --employee 41753979 --school 4444 --role "Health Office" --reason "New clerk"' in commands
    assert any(c.startswith("rolebook init . --force --schools schools.csv") for _, c in ADOPTING)
    assert len(RUNNABLE) >= 10


@pytest.mark.parametrize(("doc", "command"), RUNNABLE, ids=[f"{d}: {c}" for d, c in RUNNABLE])
def test_documented_command_runs_on_the_demo(demo: Path, doc: str, command: str) -> None:
    result = run_cli(*shlex.split(command)[1:], cwd=demo, env={"NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, f"{doc}: `{command}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(("doc", "command"), SYNOPSES, ids=[f"{d}: {c}" for d, c in SYNOPSES])
def test_documented_synopsis_names_a_command(doc: str, command: str) -> None:
    words = shlex.split(command.replace("\\|", "|"))[1:]
    name = [w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w)][:1]
    if name and name[0] in {"review", "hr", "logins"} and len(words) > 1 and re.fullmatch(r"[a-z]+", words[1]):
        name = words[:2]
    result = run_cli(*name, "--help")
    assert result.returncode == 0, f"{doc}: `{command}`: `rolebook {' '.join(name)} --help` failed\n{result.stderr}"


def test_the_adoption_commands_run_on_the_guides_sample_files(tmp_path: Path) -> None:
    guide = (REPO_ROOT / "site" / "adopt.md").read_text(encoding="utf-8")
    schools = next(body for kind, body in FENCE.findall(guide) if kind == "csv")
    folder = tmp_path / "access"
    folder.mkdir()
    (folder / "schools.csv").write_text(schools, encoding="utf-8")
    for name, text in SAMPLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    # One district, as the guide makes it: every init first, then the imports (run again: nothing to change).
    for doc, command in sorted(ADOPTING, key=lambda item: not item[1].startswith("rolebook init ")):
        result = run_cli(*shlex.split(command)[1:], cwd=folder)
        assert result.returncode == 0, f"{doc}: `{command}` exited {result.returncode}\n{result.stderr}"
    assert run_cli("validate", cwd=folder).returncode in (0, 1)  # 1: the first audit's findings
