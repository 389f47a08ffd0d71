"""Seeded fuzzing of the loader and of the editing commands, on the demo district's own files.

Each mutation lays a hostile or careless edit on one demo file (control and invisible characters, a BOM,
CR line ends, YAML syntax in the wrong place, lists and mappings as keys, tags, anchors, huge numbers, digits that are not ASCII,
lines deleted, duplicated, swapped or re-indented, a file cut short). The loader must answer every one
without a traceback, and every problem must name a file and a line. Mutations that still load are then
edited by `rolebook revoke`, whose dry run must be exactly the change it writes. The seed is fixed, so a
failure is the same failure on every run.
"""

from __future__ import annotations

import difflib
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, TODAY, run_cli
from rolebook.cli import cli
from rolebook.loading.repository import load_tolerant

SEED = 1312
MUTATIONS = 300
EDITS = 40

PALETTE = [b"\x00", b"\x1b", b"\x7f", b"\r", b"\r\n", "\ufeff".encode(), "\u202e".encode(), "\u200b".encode(),
           "\u2066".encode(), b"\xc2\x85", b"\t", b": ", b"- ", b"yes", b"No", b"on", b"&a ", b"*a", b"!!str ",
           b"!!python/object:os.system ", b"{", b"}", b"[", b"]", b'"', b"'", b"# ", b"\\u", b"\\x00", b"---\n",
           b"...\n", b"? ", b"|\n", b">-\n", b"%YAML 1.1\n", "\u0663\u0661".encode(), "\uff11".encode(),
           b"99999999999999999999999", b"1788998400", b"\xff", b"\xc3", b"\n  ", b"\n- ", b"<<: ", b"null",
           b"~", b".inf", b"0x1F", b"2026-02-30", b"-1", b"? {a: {b: c}}\n: ", b"[x, y]: ", b"{a: b}: ",
           b"? - x\n: "]


def demo_files(root: Path) -> list[str]:
    files = sorted(p.relative_to(root).as_posix() for folder in ("access", "roles") for p in (root / folder).rglob("*")
                   if p.is_file() and p.suffix == ".yaml")
    return [f for f in files if "/reviews/" not in f or f.endswith("2026-H1.yaml")]


def mutate(rng: random.Random, raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    kind = rng.randrange(8)
    if kind <= 2:  # insert something hostile at a random place
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.choice(PALETTE) + raw[at:]
    if kind == 3 and len(lines) > 1:  # delete, duplicate or swap lines
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        choice = rng.randrange(3)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[j])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if kind == 4:  # re-indent a line
        i = rng.randrange(len(lines))
        lines[i] = b" " * rng.choice([0, 1, 3, 8]) + lines[i].lstrip(b" ")
        return b"\n".join(lines)
    if kind == 5:  # cut the file short
        return raw[:rng.randrange(len(raw) + 1)]
    if kind == 6:  # flip a byte
        at = rng.randrange(max(len(raw), 1))
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:]
    return raw.replace(b"\n", b"\r\n") if rng.random() < 0.5 else b"\xef\xbb\xbf" + raw  # harmless forms


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "demo"
    for folder in ("roles", "access", "generator/schema"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


def test_every_mutation_of_a_demo_file_is_answered_at_a_file_and_line(demo: Path) -> None:
    rng = random.Random(SEED)
    files = demo_files(demo)
    refused = 0
    for number in range(MUTATIONS):
        relative = rng.choice(files)
        path = demo / relative
        original = path.read_bytes()
        path.write_bytes(mutate(rng, original))
        try:
            _, errors = load_tolerant(demo)
        finally:
            path.write_bytes(original)
        for error in errors:
            assert error.file and error.line >= 1 and error.column >= 1 and error.message, (number, relative, error)
            assert (demo / error.file).exists() or error.file == relative, (number, error)
        refused += bool(errors)
    assert refused > MUTATIONS // 3  # the mutations do reach the checks


def test_the_cli_answers_mutations_without_a_traceback(demo: Path) -> None:
    rng = random.Random(SEED + 1)
    files = demo_files(demo)
    for _ in range(5):
        relative = rng.choice(files)
        path = demo / relative
        original = path.read_bytes()
        path.write_bytes(mutate(rng, original))
        try:
            result = run_cli("validate", "--repo", str(demo))
        finally:
            path.write_bytes(original)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr.lower(), result.stderr
        assert result.returncode in {0, 1, 2}


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"ROLEBOOK_TODAY": TODAY}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, (result.stdout_bytes + result.stderr_bytes).decode("utf-8")


def test_an_edit_of_a_mutated_file_that_loads_writes_what_its_dry_run_shows(demo: Path) -> None:
    rng = random.Random(SEED + 2)
    repo, _ = load_tolerant(demo)
    targets = [(code, record.file, grant.employee) for code, record in repo.grants.items()
               for grant in record.model.grants]
    edited = 0
    for _ in range(EDITS):
        code, relative, employee = rng.choice(targets)
        path = demo / relative
        original = path.read_bytes()
        path.write_bytes(mutate(rng, original))
        try:
            if load_tolerant(demo)[1]:
                continue  # refused: the loader test above covers it
            before = path.read_bytes().decode("utf-8")
            args = ["revoke", "--repo", str(demo), "--employee", employee, "--school", code, "--all",
                    "--requested-by", "Fuzz", "--no-commit"]
            status, dry = _invoke(*args, "--dry-run")
            if status != 0:
                assert status == 2 and "Traceback" not in dry, dry
                continue
            status, output = _invoke(*args)
            assert status == 0, output
            after = path.read_bytes().decode("utf-8")
            expected = "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                    fromfile=f"a/{relative}", tofile=f"b/{relative}"))
            assert dry.split("\n--- commit message ---\n")[0] == expected
            assert not load_tolerant(demo)[1]
            edited += 1
        finally:
            path.write_bytes(original)
    assert edited > EDITS // 4
