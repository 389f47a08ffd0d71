"""Editing commands change only the lines they must, and `--dry-run` shows exactly what is committed.

A seeded property test writes grants files formatted at random (LF or CRLF, a `---` line and header
comments, comments between grants, flow lists spaced every way or block lists, trailing spaces, `\\u`
escapes, blank lines), runs each editing command on them (in this process for most cases, as the real
CLI in a subprocess for some), and checks that every line outside the grants the command means to change
is kept byte for byte, that every line keeps the file's line ending, and that the dry run's diff is the
diff of the commit.
"""

from __future__ import annotations

import difflib
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY, git, git_init, make_mini_repo
from rolebook.cli import cli
from rolebook.loading.repository import load_repository

SEED = 20261201
CASES = 36
SUBPROCESS_EVERY = 9  # every ninth case runs the real CLI as a subprocess

GRANTS = {
    "100": [("10000001", ["principal"]), ("10000002", ["office-manager", "health-office"]),
            ("10000003", ["teacher"])],
    "200": [("20000001", ["principal"]), ("20000002", ["counselor"]), ("20000003", ["office-manager"])],
}


@dataclass
class Command:
    name: str
    args: list[str]
    targets: dict[str, set[str]]  # school -> employees whose grants the command may change
    export: str | None = None  # an HR export, for offboard


COMMANDS = [
    Command("request", ["--employee", "20000003", "--school", "200", "--role", "counselor"], {"200": {"20000003"}}),
    Command("request", ["--employee", "10000003", "--school", "200", "--role", "health-office"],
            {"200": {"10000003"}}),
    Command("revoke", ["--employee", "10000002", "--school", "100", "--role", "health-office"],
            {"100": {"10000002"}}),
    Command("revoke", ["--employee", "20000002", "--school", "200", "--all"], {"200": {"20000002"}}),
    Command("transfer", ["--employee", "10000003", "--from", "100", "--to", "200"],
            {"100": {"10000003"}, "200": {"10000003"}}),
    Command("offboard", [], {"100": {"10000002"}},
            export="Employee Number,Name,Status\n10000002,Rivera,separated\n"),
]


def _roles(rng: random.Random, roles: list[str], inner: str) -> str:
    if rng.random() < 0.2:
        return f"{inner}roles:\n" + "".join(f"{inner}  - {role}\n" for role in roles).rstrip("\n")
    comma, before, after = rng.choice([(",", "", ""), (", ", "", ""), (" , ", " ", " "), (",", " ", " ")])
    return f"{inner}roles: [{before}{comma.join(roles)}{after}]"


def random_grants_file(rng: random.Random, school: str) -> str:
    """A grants file holding GRANTS[school], written one of many ways a person might."""
    ending = rng.choice(["\n", "\r\n"])
    lines: list[str] = []
    if rng.random() < 0.6:
        lines.append("# yaml-language-server: $schema=../../../generator/schema/grants.schema.json")
    if rng.random() < 0.4:
        lines.append("# Kept by the front office; reviewed every term.")
    if rng.random() < 0.5:
        lines.append("---")
    lines.append(rng.choice([f'location: "{school}"', f"location: '{school}'"]))
    lines.append(rng.choice(["grants:", "grants:  # one entry per person"]))
    dash = rng.choice(["  ", "  ", ""])
    inner = dash + "  "
    for employee, roles in GRANTS[school]:
        if rng.random() < 0.3:
            lines.append(f"{dash}# {employee}: see the HR ticket")
        if rng.random() < 0.15:
            lines.append("")
        lines.append(f"{dash}- employee: " + rng.choice([f'"{employee}"', f"'{employee}'"]))
        lines.extend(_roles(rng, roles, inner).split("\n"))
        lines.append(f"{inner}granted: 2026-08-01")
        if rng.random() < 0.6:
            lines.append(f"{inner}expires: 2027-07-31")
        if rng.random() < 0.4:
            lines.append(f'{inner}reason: "Caf\\u00e9 duty \\u2014 term {rng.randint(1, 3)}"')
        if rng.random() < 0.3:
            lines.append(f"{inner}verification: Checked by OM  # on paper")
    if rng.random() < 0.3:
        lines.append("# end of grants")
    written = [line + (" " * rng.choice([0, 0, 0, 1, 3]) if line and line != "---" else "") for line in lines]
    return ending.join(written) + ending


def _entry_lines(lines: list[str], employees: set[str]) -> set[int]:
    """Indexes of the content lines of these employees' grant entries (comments and blanks around excluded)."""
    found: set[int] = set()
    index = 0
    while index < len(lines):
        start = re.match(r"^( *)- employee: [\"']?(\d{8})", lines[index])
        if start and start.group(2) in employees:
            column = len(start.group(1))
            found.add(index)
            index += 1
            while index < len(lines):
                text = lines[index].rstrip("\r\n")
                stripped = text.lstrip(" ")
                if not stripped or stripped.startswith("#") or len(text) - len(stripped) <= column:
                    break
                found.add(index)
                index += 1
            continue
        index += 1
    return found


def outside(text: str, employees: set[str]) -> list[str]:
    """The file's lines, byte for byte, without the given grants and an acknowledge_removals line."""
    lines = text.splitlines(keepends=True)
    dropped = _entry_lines(lines, employees)
    return [line for index, line in enumerate(lines)
            if index not in dropped and not line.startswith("acknowledge_removals:")]


# Both read the output as bytes: text mode would turn the CRLF of a diff into LF.
def _in_process(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"ROLEBOOK_TODAY": TODAY}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, (result.stdout_bytes + result.stderr_bytes).decode("utf-8")


def _subprocess(*args: str) -> tuple[int, str]:
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([sys.executable, "-m", "rolebook", *args], env=env, capture_output=True, timeout=600)
    return result.returncode, (result.stdout + result.stderr).decode("utf-8")


def _chunks(diff: str) -> list[str]:
    parts = re.split(r"(?m)^(?=--- (?:a/|/dev/null))", diff)
    return sorted(part for part in parts if part)


def run_case(tmp_path: Path, number: int, invoke: Callable[..., tuple[int, str]]) -> None:
    rng = random.Random(SEED + number)
    files = {f"access/schools/{school}/grants.yaml": random_grants_file(rng, school) for school in GRANTS}
    root = make_mini_repo(tmp_path / f"case{number}")
    for relative, text in files.items():
        (root / relative).write_bytes(text.encode("utf-8"))
    git_init(root)
    load_repository(root)  # the random file is valid access data
    command = rng.choice(COMMANDS)
    args = [command.name, "--repo", str(root), "--requested-by", "Test", *command.args]
    if command.export is not None:
        export = tmp_path / f"hr{number}.csv"
        export.write_text(command.export, encoding="utf-8")
        args += ["--hr-export", str(export)]
    code, dry = invoke(*args, "--dry-run")
    assert code == 0, dry
    assert git(root, "status", "--porcelain") == ""
    code, output = invoke(*args)
    assert code == 0, output
    committed: list[str] = []
    for relative, before in files.items():
        after = git_show(root, relative)
        if after == before:
            continue
        school = relative.split("/")[2]
        employees = command.targets.get(school, set())
        assert outside(after, employees) == outside(before, employees), (command.name, relative, before, after)
        ending = "\r\n" if before.endswith("\r\n") else "\n"
        assert all(line.endswith(ending) and not line[:-len(ending)].endswith("\r")
                   for line in after.splitlines(keepends=True)), after
        committed.append("".join(difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{relative}", tofile=f"b/{relative}")))
    assert committed, f"{command.name} changed nothing"
    shown = dry.split("\n--- commit message ---\n")[0]
    assert _chunks(shown) == sorted(committed)
    load_repository(root)


def git_show(root: Path, relative: str) -> str:
    return subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=root, check=True,
                          capture_output=True).stdout.decode("utf-8")


@pytest.mark.parametrize("number", range(CASES))
def test_an_edit_changes_only_its_grants_and_the_dry_run_is_the_commit(tmp_path: Path, number: int) -> None:
    run_case(tmp_path, number, _subprocess if number % SUBPROCESS_EVERY == 0 else _in_process)


def test_crlf_header_and_flow_spacing_are_kept_as_the_issue_describes(tmp_path: Path) -> None:
    before = ("# yaml-language-server: $schema=../../../generator/schema/grants.schema.json\r\n---\r\n"
              'location: "200"\r\ngrants:\r\n'
              '  - employee: "20000001"  \r\n    roles: [principal]\r\n    granted: 2026-08-01\r\n'
              '    reason: "Caf\\u00e9"\r\n'
              '  - employee: "20000002"\r\n    roles: [ counselor ]\r\n    granted: 2026-08-01\r\n'
              '  - employee: "20000003"\r\n    roles: [office-manager]\r\n    granted: 2026-08-01\r\n')
    root = make_mini_repo(tmp_path / "repo")
    (root / "access/schools/200/grants.yaml").write_bytes(before.encode())
    git_init(root)
    code, output = _in_process("request", "--repo", str(root), "--employee", "20000003", "--school", "200",
                               "--role", "counselor", "--requested-by", "Test", "--no-branch")
    assert code == 0, output
    after = (root / "access/schools/200/grants.yaml").read_bytes().decode()
    assert after == before.replace("roles: [office-manager]", "roles: [office-manager, counselor]")
