"""Work shared with a forked child: complete, in order, and the same answer as one process."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable

import pytest
from conftest import REPO_ROOT, TODAY
from rolebook import forked
from rolebook.check import run_rules
from rolebook.loading import load_repository

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _piece(value: int, parent: int, in_child: Callable[[], None] | None = None) -> Callable[[], tuple[int, bool]]:
    def run() -> tuple[int, bool]:
        if in_child is not None and os.getpid() != parent:
            in_child()
        return value * value, os.getpid() == parent
    return run


def test_results_come_back_complete_and_in_order():
    parent = os.getpid()
    results = forked.run_shared([_piece(n, parent) for n in range(40)])
    assert [value for value, _ in results] == [n * n for n in range(40)]


def test_a_child_that_dies_leaves_its_pieces_to_the_parent():
    parent = os.getpid()

    def die() -> None:
        os._exit(9)

    results = forked.run_shared([_piece(n, parent, die) for n in range(20)])
    assert [value for value, _ in results] == [n * n for n in range(20)]
    assert all(here for _, here in results)  # whatever the child took, it never reported


def test_an_error_in_the_child_is_redone_and_met_by_the_parent():
    parent = os.getpid()

    def fail() -> None:
        raise ValueError("only in the child")

    results = forked.run_shared([_piece(n, parent, fail) for n in range(20)])
    assert [value for value, _ in results] == [n * n for n in range(20)]

    def broken() -> tuple[int, bool]:
        raise KeyError("everywhere")

    with pytest.raises(KeyError):
        forked.run_shared([_piece(1, parent), broken, _piece(2, parent)])


def test_the_switch(monkeypatch):
    monkeypatch.setenv(forked.ENV_SWITCH, "0")
    assert not forked.wanted(large=True)
    monkeypatch.setenv(forked.ENV_SWITCH, "1")
    assert forked.wanted(large=False)
    monkeypatch.delenv(forked.ENV_SWITCH)
    assert not forked.wanted(large=False)


def _with_problems(tmp_path):
    """The demo district with problems for many rules: unknown people, expired and duplicated grants."""
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "roles", root / "roles")
    shutil.copytree(REPO_ROOT / "access", root / "access")
    for number, grants in enumerate(sorted((root / "access" / "schools").glob("*/grants.yaml"))[:6]):
        with grants.open("a", encoding="utf-8") as handle:
            handle.write(f'  - employee: "9{number:07d}"\n    roles: [teacher, teacher, no-such-role]\n'
                         "    granted: 2025-08-01\n    expires: 2026-01-31\n")
    return root


def test_rules_in_two_processes_give_the_same_report(tmp_path, monkeypatch):
    repo = load_repository(_with_problems(tmp_path))
    today = dt.date.fromisoformat(TODAY)
    monkeypatch.setenv(forked.ENV_SWITCH, "0")
    alone = run_rules(repo, today).findings
    monkeypatch.setenv(forked.ENV_SWITCH, "1")
    shared = run_rules(repo, today).findings
    assert len({finding.code for finding in alone}) >= 4
    assert shared == alone
