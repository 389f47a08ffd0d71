"""The targets per scale (issue 17), and the judging of a run against them.

Only the benchmark judges timings, on a machine it names: no unit test asserts one. At 1,000 schools
the issue's targets are joined by the earlier benchmark's that still hold (a warm validation within
1 s, the public guide within 10 s, 2 GiB of memory); at 2,000 schools cold validation has no target of
its own, and its ratio to the floor is noted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import apply_bench
from benchmarks.figures import (
    APPROVALS,
    FLOOR_YAML_RS,
    INTERNAL_SITE,
    MKDOCS_INTERNAL,
    MKDOCS_PUBLIC,
    NAIVE_MKDOCS,
    NOT_OURS,
    PEAK_MEMORY,
    PR_CHECK,
    PUBLIC_GUIDE,
    RENDER_INTERNAL,
    RENDER_PUBLIC,
    REPUBLISH,
    SITE_SIZE,
    VALIDATE_COLD,
    VALIDATE_WARM,
    Run,
    Step,
)


@dataclass(frozen=True)
class Targets:
    pr_check: float  # seconds, `validate --base` and `approvals` each
    internal_site: float  # seconds, a full `rolebook build --internal`
    republish: float  # seconds, `rolebook build --internal` after a one-grant merge
    public_guide: float = 10.0
    peak_mib: float = 2048.0
    validate_warm: float = 1.0
    cold_to_floor: float | None = None  # cold validation within this many times the yaml-rs floor
    site_mb: float | None = None  # the built internal site on disk (GitHub Pages publishes up to 1 GB)


ONE_THOUSAND = Targets(pr_check=0.5, internal_site=15.0, republish=3.0, cold_to_floor=1.5)
TWO_THOUSAND = Targets(pr_check=1.0, internal_site=30.0, republish=5.0, site_mb=1000.0)
# The small scale is a smoke run: it carries the 1,000-school targets, which mean little at its size.
TARGETS = {"full": ONE_THOUSAND, "full2000": TWO_THOUSAND, "small": ONE_THOUSAND}


def judge(result: Run, targets: Targets) -> None:
    """Add the derived rows (public guide, peak memory), then set every target and whether it is met."""
    _add_totals(result)
    _judge_seconds(result, targets)
    apply_bench.judge_apply(lambda name, target, test: _check(result, name, target, test))
    size = result.find(SITE_SIZE)
    if size is not None and targets.site_mb is not None:
        size.target = f"<= {targets.site_mb:,.0f} MB"
        size.met = size.megabytes is not None and size.megabytes <= targets.site_mb
    memory = result.step(PEAK_MEMORY)
    memory.target = f"<= {targets.peak_mib:,.0f} MiB"
    memory.met = memory.peak_mib is not None and memory.peak_mib <= targets.peak_mib


def _judge_seconds(result: Run, targets: Targets) -> None:
    def check(name: str, limit: float) -> None:
        _check(result, name, f"<= {limit:g} s", lambda v: v <= limit)

    floor, cold = result.seconds(FLOOR_YAML_RS), result.seconds(VALIDATE_COLD)
    if targets.cold_to_floor is not None and floor is not None:
        limit = targets.cold_to_floor * floor
        _check(result, VALIDATE_COLD, f"<= {targets.cold_to_floor:g} x yaml-rs floor = {limit:.2f} s",
               lambda v: v <= limit)
    if floor and cold is not None:
        _add_note(result.step(VALIDATE_COLD), f"{cold / floor:.1f}x the floor")
    check(VALIDATE_WARM, targets.validate_warm)
    check(PR_CHECK, targets.pr_check)
    check(APPROVALS, targets.pr_check)
    check(INTERNAL_SITE, targets.internal_site)
    check(REPUBLISH, targets.republish)
    check(PUBLIC_GUIDE, targets.public_guide)
    render, mkdocs, naive = (result.seconds(n) for n in (RENDER_INTERNAL, MKDOCS_INTERNAL, NAIVE_MKDOCS))
    full = result.find(INTERNAL_SITE)
    if full is not None and render is not None and mkdocs is not None:
        _add_note(full, f"render {render:.1f} + mkdocs build {mkdocs:.1f}, as separate steps")
        if naive and full.seconds:
            _add_note(full, f"the naive build took {naive:.0f} s, {naive / full.seconds:.1f}x as long")


def _check(result: Run, name: str, target: str, test: Callable[[float], bool]) -> None:
    """Judge one timed step; a step that did not run or failed does not meet its target."""
    step = result.find(name)
    if step is None:
        return
    step.target = target
    value = result.seconds(name)
    step.met = test(value) if value is not None else False
    limit = _limit(target)
    if value is not None and not step.met and limit:
        _add_note(step, f"{value / limit:.1f}x the target")


def _limit(target: str) -> float | None:
    try:
        return float(target.rsplit("=", 1)[-1].strip().removesuffix("s").strip())
    except ValueError:
        return None


def _add_note(step: Step, note: str) -> None:
    step.note = f"{step.note}; {note}" if step.note else note


def _add_totals(result: Run) -> None:
    public = [result.seconds(RENDER_PUBLIC), result.seconds(MKDOCS_PUBLIC)]
    if None not in public and result.find(PUBLIC_GUIDE) is None:
        peaks = [result.step(n).peak_mib or 0 for n in (RENDER_PUBLIC, MKDOCS_PUBLIC)]
        result.steps.append(Step(PUBLIC_GUIDE, round(sum(v for v in public if v is not None), 2), max(peaks),
                                 returncode=0))
    if result.find(PEAK_MEMORY) is None:
        ours = [s.peak_mib for s in result.steps if s.name not in NOT_OURS and s.peak_mib is not None]
        result.steps.append(Step(PEAK_MEMORY, peak_mib=max(ours) if ours else None))
