"""`rolebook access --at DATE` and `rolebook who-has --at DATE` on a real Git history (tests/as_of_history.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from as_of_history import build_history
from conftest import run_cli


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("as-of") / "repo")


def who_has(repo: Path, role: str, at: str, *extra: str) -> list[dict[str, Any]]:
    result = run_cli("who-has", role, "--at", at, "--format", "json", "--repo", str(repo), *extra)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def holders(repo: Path, role: str, at: str, school: str) -> set[str]:
    return {row["employee"] for row in who_has(repo, role, at, "--school", school)}


@pytest.mark.parametrize(("at", "teachers", "counselors"), [
    ("2026-01-10", {"10000003"}, set()),       # the import, that day
    ("2026-02-04", {"10000003"}, set()),       # the PR was written but not merged yet
    ("2026-02-05", {"10000003"}, {"20000002"}),  # merged that afternoon
    ("2026-03-09", {"10000003"}, {"20000002"}),
    ("2026-03-10", set(), {"20000002"}),       # removed 23:30 UTC (00:30 on the 11th in UTC+1)
    ("2026-11-23", set(), {"20000002"}),       # today
])
def test_who_has_at_gives_the_holders_of_that_day(history: Path, at: str, teachers: set[str],
                                                   counselors: set[str]) -> None:
    assert holders(history, "teacher", at, "100") == teachers
    assert holders(history, "counselor", at, "100") == counselors


def test_who_approved_and_when(history: Path) -> None:
    [counselor] = who_has(history, "counselor", "2026-03-01", "--school", "100")
    assert counselor["request"] == "PR #41"
    assert counselor["approved_by"] == "Pat Park (pat-park)"
    assert counselor["approved_on"] == "2026-02-04"
    [teacher] = who_has(history, "teacher", "2026-03-01", "--school", "100")
    assert teacher["approved_by"].startswith("before Rolebook")
    assert teacher["approved_on"] == "2026-01-10"
    [locked] = who_has(history, "principal", "2026-05-01", "--school", "200")
    assert locked["approved_by"].startswith("before Rolebook")  # a status change is not a new grant line


def test_status_follows_the_date(history: Path) -> None:
    [before] = who_has(history, "principal", "2026-04-19", "--school", "200")
    [after] = who_has(history, "principal", "2026-04-20", "--school", "200")
    assert (before["status"], before["status_label"]) == ("active", "Active")
    assert (after["status"], after["status_label"]) == ("locked", "Locked")
    today = run_cli("who-has", "principal", "--school", "200", "--format", "json", "--repo", str(history))
    assert json.loads(today.stdout)[0]["status_label"] == "Locked"  # without --at too (issue 14)


def test_access_at_a_date(history: Path) -> None:
    result = run_cli("access", "10000003", "--at", "2026-02-28", "--format", "json", "--repo", str(history))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(r["location"], r["role"], r["status_label"]) for r in data["access"]] == [("100", "teacher", "Active")]
    assert data["as_of"]["date"] == "2026-02-28"
    assert "UTC" in data["as_of"]["rule"]
    gone = json.loads(run_cli("access", "10000003", "--at", "2026-03-10", "--format", "json",
                              "--repo", str(history)).stdout)
    assert gone["access"] == []
    text = run_cli("access", "20000002", "--at", "2026-02-05", "--repo", str(history))
    assert text.returncode == 0, text.stderr
    assert "as of the end of 2026-02-05 (UTC)" in text.stdout
    assert "PR #41, approved by Pat Park (pat-park) on 2026-02-04" in text.stdout


@pytest.mark.parametrize(("at", "message"), [
    ("2026-01-09", "before the repository's first commit (2026-01-10, UTC)"),
    ("2026-11-24", "is in the future (today is 2026-11-23)"),
    ("1 March", "'1 March' is not a date: write it as YYYY-MM-DD"),
    ("2026-02-30", "is not a date"),
])
def test_dates_that_cannot_be_answered(history: Path, at: str, message: str) -> None:
    for args in (("who-has", "teacher"), ("access", "10000003")):
        result = run_cli(*args, "--at", at, "--repo", str(history))
        assert result.returncode == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_outside_git(mini_repo: Path) -> None:
    result = run_cli("who-has", "teacher", "--at", "2026-03-01", "--repo", str(mini_repo))
    assert result.returncode == 2
    assert "no Git history" in result.stderr
