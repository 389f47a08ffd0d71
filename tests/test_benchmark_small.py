"""The benchmark district at small scale: what it writes is a correct repository (no timings asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_cli
from rolebook.hr.logins import read_export as read_logins
from rolebook.hr.mapping import load_mapping
from rolebook.hr.sync import read_hr_export
from rolebook.loading import load_repository

from benchmarks import history, run
from tools.synth.catalog import read_catalog

PARAMS, PRS, _NAIVE = run.SCALES["small"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, history.RepoSummary]:
    out = tmp_path_factory.mktemp("bench") / "district"
    return out, history.make_repository(out, PARAMS, PRS)


def test_counts_match_the_parameters(bench: tuple[Path, history.RepoSummary]) -> None:
    out, summary = bench
    git(out, "checkout", "-q", history.MAIN)
    repo = load_repository(out)
    assert len(repo.schools) == PARAMS.schools
    assert len(repo.clusters) == PARAMS.clusters
    assert len(repo.offices) == PARAMS.offices
    assert len(repo.staff) == PARAMS.staff
    assert len(repo.grants) == PARAMS.schools + PARAMS.offices
    entries = list(repo.iter_grants())
    assert len(entries) == summary.district.grants
    assert sum(len(grant.roles) for _r, _i, grant in entries) == summary.district.role_grants
    # Only roles of the catalog the district can use (a small district hosts fewer programs: not all).
    usable = read_catalog(out).usable
    held = {role for _r, _i, grant in entries for role in grant.roles}
    assert held <= usable and len(held) >= len(usable) // 2


def test_it_validates_clean(bench: tuple[Path, history.RepoSummary]) -> None:
    out, _ = bench
    git(out, "checkout", "-q", history.MAIN)
    result = run_cli("validate", "--format", "json", cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["summary"]["error"] == 0


def test_exports_are_read_by_the_hr_and_login_readers(bench: tuple[Path, history.RepoSummary]) -> None:
    out, summary = bench
    git(out, "checkout", "-q", history.MAIN)
    records = read_hr_export(out / "exports" / "hr-export.csv", load_mapping(out))
    assert len(records) == PARAMS.staff == summary.hr_rows
    logins = read_logins(out / "exports" / "logins.csv", load_repository(out))
    assert len(logins) == summary.district.role_grants == summary.login_rows
    assert any(r.last_login is None for r in logins) and any(r.last_login is not None for r in logins)


def test_history_is_merged_pull_requests_with_approvals(bench: tuple[Path, history.RepoSummary]) -> None:
    out, summary = bench
    assert summary.merges == PRS
    assert int(git(out, "rev-list", "--count", history.MAIN)) == 2 * PRS + 1
    merges = git(out, "log", "--merges", "--format=%s%n%b%x00", history.MAIN).split("\x00")
    merges = [m.strip() for m in merges if m.strip()]
    assert len(merges) == PRS
    assert all(m.startswith("Merge pull request #") and "\nApproved-by: " in m for m in merges)
    # Each pull request changes one grants file.
    changed = git(out, "log", "--merges", "--first-parent", "--diff-merges=first-parent", "--name-only",
                  "--format=%x00", history.MAIN).split("\x00")
    files = [[line for line in block.splitlines() if line] for block in changed if block.strip()]
    assert len(files) == PRS
    assert all(len(f) == 1 and f[0].endswith("/grants.yaml") for f in files)
    # The last commit's tree is the generated data: nothing left over in the working tree.
    assert git(out, "status", "--porcelain") == ""


def test_the_pull_request_adds_exactly_one_grant(bench: tuple[Path, history.RepoSummary]) -> None:
    out, summary = bench
    diff = git(out, "diff", "--name-only", f"{history.MAIN}...{history.PR_BRANCH}").split()
    assert diff == [summary.pr_file]
    git(out, "checkout", "-q", history.MAIN)
    before = load_repository(out)
    git(out, "checkout", "-q", history.PR_BRANCH)
    after = load_repository(out)
    old = {(r.code, g.employee, tuple(g.roles)) for r, _i, g in before.iter_grants()}
    new = {(r.code, g.employee, tuple(g.roles)) for r, _i, g in after.iter_grants()}
    assert new - old == {(summary.pr_file.split("/")[2], summary.pr_employee, (summary.pr_role,))}
    assert old <= new
    result = run_cli("validate", "--base", history.MAIN, "--format", "json", cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    approvals = run_cli("approvals", "--base", history.MAIN, "--head", history.PR_BRANCH, "--author",
                        history.PR_AUTHOR, "--reviews", str(out / "exports" / "reviews.json"), cwd=out)
    assert approvals.returncode == 0, approvals.stdout + approvals.stderr
    git(out, "checkout", "-q", history.MAIN)
    # GitHub's review answer names the pull request after the history's last one.
    assert summary.pr_number == PRS + 1
    review = json.loads((out / "exports" / "reviews.json").read_text(encoding="utf-8"))[0]
    assert review["pull_request_url"].endswith(f"/pulls/{PRS + 1}") and review["commit_id"] == summary.pr_head


def test_same_parameters_give_the_same_repository(tmp_path: Path, bench: tuple[Path, history.RepoSummary]) -> None:
    _, summary = bench
    again = history.make_repository(tmp_path / "again", PARAMS, PRS)
    assert again.pr_head == summary.pr_head and again.pr_base == summary.pr_base


def test_the_runner_refuses_to_write_into_the_checkout() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.run", "--scale", "small", "--out",
                             str(REPO_ROOT / "benchmarks" / "out")], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "outside this checkout" in result.stderr


def test_a_step_is_timed_around_its_command_not_the_measuring_helper(tmp_path: Path) -> None:
    """The helper's own start is left out of the figure; its peak memory and the step's are read back."""
    (tmp_path / "build").mkdir()
    command = [sys.executable, "-c", "import time; time.sleep(0.3)"]
    step = run.measure("sleep", command, tmp_path)
    written = (tmp_path / "build" / "bench-sleep.maxrss").read_text().split()
    assert step.returncode == 0 and step.seconds == round(float(written[1]), 2)
    assert 0.3 <= float(written[1]) and step.peak_mib is not None and step.peak_mib > 1
    assert run._measured(tmp_path / "missing", 1.5) == (0, 1.5)  # an older helper's file, or none: from outside
