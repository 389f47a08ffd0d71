"""The benchmark's targets, its JSON and its page, judged on figures written here (no timing is measured)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

from benchmarks import figures, page, run
from benchmarks.figures import (
    APPROVALS,
    FLOOR_YAML_RS,
    INTERNAL_SITE,
    MKDOCS_PUBLIC,
    PEAK_MEMORY,
    PR_CHECK,
    RENDER_PUBLIC,
    REPUBLISH,
    SITE_SIZE,
    VALIDATE_COLD,
    VALIDATE_WARM,
    Run,
    Step,
)
from benchmarks.targets import TARGETS, judge
from tools import synth

DISTRICTS = {"full": 1000, "full2000": 2000}


def a_run(scale: str, seconds: dict[str, float], peak_mib: float = 900.0, site_mb: float = 600.0) -> Run:
    district = {"district": {"schools": DISTRICTS[scale], "staff": 75_000 * DISTRICTS[scale] // 1000},
                "commits": 20_001, "merges": 10_000}
    result = Run(scale, f"/tmp/rolebook-bench-{scale}", "2026-12-01T23:00",
                 {"cpu": "AMD EPYC", "nproc": "2", "memory_gib": "7.8", "python": "3.11.7"}, district)
    result.steps = [Step(name, value, peak_mib, returncode=0) for name, value in seconds.items()]
    result.steps.append(Step(SITE_SIZE, megabytes=site_mb, returncode=0))
    return result


FAST = {FLOOR_YAML_RS: 1.0, VALIDATE_COLD: 1.4, VALIDATE_WARM: 0.2, PR_CHECK: 0.45, APPROVALS: 0.45,
        INTERNAL_SITE: 14.0, REPUBLISH: 2.5, RENDER_PUBLIC: 1.0, MKDOCS_PUBLIC: 2.0}


def met(result: Run) -> dict[str, bool | None]:
    return {s.name: s.met for s in result.steps if s.target}


def test_the_1000_school_targets() -> None:
    good = a_run("full", FAST)
    judge(good, TARGETS["full"])
    assert all(met(good).values()), met(good)
    assert good.step(PR_CHECK).target == "<= 0.5 s" and good.step(REPUBLISH).target == "<= 3 s"
    assert good.step(INTERNAL_SITE).target == "<= 15 s"
    assert good.step(VALIDATE_COLD).target.startswith("<= 1.5 x yaml-rs floor = 1.50 s")
    slow = a_run("full", {**FAST, VALIDATE_COLD: 2.33, PR_CHECK: 0.52, INTERNAL_SITE: 31.0, REPUBLISH: 31.0})
    judge(slow, TARGETS["full"])
    missed = {name for name, ok in met(slow).items() if not ok}
    assert missed == {VALIDATE_COLD, PR_CHECK, INTERNAL_SITE, REPUBLISH}
    assert "2.3x the floor" in slow.step(VALIDATE_COLD).note
    assert "10.3x the target" in slow.step(REPUBLISH).note
    assert not slow.step(SITE_SIZE).target  # no size target at 1,000 schools


def test_the_2000_school_targets() -> None:
    figures_2000 = {**FAST, PR_CHECK: 0.9, APPROVALS: 0.95, INTERNAL_SITE: 29.0, REPUBLISH: 4.9}
    good = a_run("full2000", figures_2000)
    judge(good, TARGETS["full2000"])
    assert all(met(good).values()), met(good)
    assert not good.step(VALIDATE_COLD).target  # only its ratio to the floor is noted
    assert "1.4x the floor" in good.step(VALIDATE_COLD).note
    assert good.step(SITE_SIZE).target == "<= 1,000 MB"
    assert good.step(PEAK_MEMORY).target == "<= 2,048 MiB"
    big = a_run("full2000", {**figures_2000, APPROVALS: 1.2}, peak_mib=2100, site_mb=1200)
    judge(big, TARGETS["full2000"])
    assert {name for name, ok in met(big).items() if not ok} == {APPROVALS, SITE_SIZE, PEAK_MEMORY}


def test_a_failed_or_wrong_step_meets_no_target() -> None:
    result = a_run("full2000", FAST)
    result.step(PR_CHECK).returncode = 2
    result.step(REPUBLISH).output_ok = False
    judge(result, TARGETS["full2000"])
    assert result.step(PR_CHECK).met is False and result.step(REPUBLISH).met is False


def test_json_and_page_carry_both_scales_with_the_machine(tmp_path: Path) -> None:
    runs = [a_run("full", FAST), a_run("full2000", {**FAST, REPUBLISH: 40.0})]
    for result in runs:
        judge(result, TARGETS[result.scale])
    kept = tmp_path / "bench.json"
    kept.write_text(figures.dump(runs), encoding="utf-8")
    data = json.loads(kept.read_text(encoding="utf-8"))
    assert [r["scale"] for r in data["runs"]] == ["full", "full2000"]
    assert data["runs"][0]["machine"]["cpu"] == "AMD EPYC" and data["runs"][0]["date"].startswith("2026-12-01")
    target = next(s for s in data["runs"][1]["steps"] if s["name"] == REPUBLISH)
    assert target["target"] == "<= 5 s" and target["met"] is False
    # The page is made again from the kept figures, by the runner's own command line.
    out = tmp_path / "benchmark.md"
    made = subprocess.run([sys.executable, "-m", "benchmarks.run", "--from-json", str(kept), "--page", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    text = out.read_text(encoding="utf-8")
    assert "## 1,000 schools" in text and "## 2,000 schools" in text
    assert "AMD EPYC, 2 cores, 7.8 GiB of memory, Python 3.11.7" in text
    assert "2,000 schools: 7 of 8 targets met; not met: " + REPUBLISH in text
    assert f"| 2,000 schools | {REPUBLISH} | 40.00 s | <= 5 s | **not met** (8.0x the target) |" in text
    assert text == page.markdown(figures.load(kept))


def test_the_page_command_names_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text("[1, 2]\n", encoding="utf-8")
    made = subprocess.run([sys.executable, "-m", "benchmarks.run", "--from-json", str(bad)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert made.returncode == 2 and str(bad) in made.stderr and "--json FILE" in made.stderr
    assert "Traceback" not in made.stderr


def test_the_largest_scale_preset() -> None:
    params, prs, naive = run.SCALES["full2000"]
    assert params == synth.PRESETS["full2000"]
    assert (params.schools, params.staff, 2 * prs) == (2000, 150_000, 40_000)
    assert not naive and run.DEFAULT_SCALES == ("full", "full2000")


def test_a_republish_without_the_merged_grant_is_wrong(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "audit" / "schools").mkdir(parents=True)
    page_of_school = site / "audit" / "schools" / "1875.html"
    page_of_school.write_text("<td>20121196</td>", encoding="utf-8")
    summary: dict[str, object] = {"pr_file": "access/schools/1875/grants.yaml", "pr_employee": "41753979"}
    step = Step(REPUBLISH, 1.0, returncode=0)
    run._check_republished(step, site, summary)
    assert step.output_ok is False and "41753979" in step.note and "audit/schools/1875.html" in step.note
    page_of_school.write_text("<td>20121196</td><td>41753979</td>", encoding="utf-8")
    step = Step(REPUBLISH, 1.0, returncode=0)
    run._check_republished(step, site, summary)
    assert step.output_ok is True and not step.note
