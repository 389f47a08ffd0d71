"""The benchmark: a district at full scale, every step timed in its own process, against the targets.

    python -m benchmarks.run [--scale full|small] [--out DIR] [--json FILE] [--page FILE] [--rebuild]

It writes (or reuses) the benchmark repository at DIR (default /tmp/rolebook-bench-<scale>; never inside
the checkout), then runs each step as a subprocess and reads its peak memory from os.wait4. Prints a
table; --json keeps the figures, --page writes them as a Markdown page of the site.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import apply_bench, history
from tools import synth

SCALES: dict[str, tuple[synth.Params, int]] = {
    "full": (synth.PRESETS["full"], 10_000),
    "small": (synth.Params(schools=20, clusters=2, offices=8, staff=1500, seed=7), 200),
}
TODAY = synth.TODAY.isoformat()
PY = sys.executable
GIB = 1024**3


@dataclass
class Step:
    name: str
    seconds: float | None = None
    peak_mib: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    returncode: int | None = None


@dataclass
class Run:
    scale: str
    repo: str
    date: str
    machine: dict[str, str]
    district: dict[str, object]
    steps: list[Step] = field(default_factory=list)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def measure(name: str, argv: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,)) -> Step:
    """Run one step as a child process: wall time, and its peak resident memory (children included)."""
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(synth.REPO_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    peak_file = cwd / "build" / f"bench-{slug}.maxrss"
    with open(cwd / "build" / f"bench-{slug}.log", "wb") as log:
        started = time.perf_counter()
        code = subprocess.call([PY, "-m", "benchmarks.child", str(peak_file), *argv], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - started
    peak_kib = int(peak_file.read_text().strip() or 0) if peak_file.exists() else 0
    step = Step(name, round(seconds, 2), round(peak_kib / 1024, 1), returncode=code)
    if code not in ok_codes:
        step.note = f"exit code {code} (see build/bench-{slug}.log)"
    return step


def _rolebook(*args: str) -> list[str]:
    return [PY, "-m", "rolebook", *args]


def _python(code: str) -> list[str]:
    return [PY, "-c", code]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def zensical_available() -> str | None:
    """None when zensical can run; else why not. Tries one `pip install zensical`, remembered per venv."""
    if importlib.util.find_spec("zensical") is not None:
        return None
    marker = Path(sys.prefix) / ".rolebook-zensical-install-failed"
    if marker.exists():
        return "not installable here"
    result = subprocess.run([PY, "-m", "pip", "install", "--quiet", "zensical"], capture_output=True, text=True,
                            timeout=300, check=False)
    if result.returncode != 0 or importlib.util.find_spec("zensical") is None:
        marker.write_text(result.stderr[-4000:], encoding="utf-8")
        return "not installable here"
    return None


def prepare(scale: str, out: Path, rebuild: bool) -> dict[str, object]:
    params, prs = SCALES[scale]
    stamp = out / "build" / "bench-repository.json"
    wanted = {"params": repr(params), "prs": prs, "generator": _generator_stamp()}
    if not rebuild and stamp.exists():
        known = json.loads(stamp.read_text(encoding="utf-8"))
        if known.get("wanted") == wanted:
            return dict(known["summary"])
    started = time.perf_counter()
    summary = history.make_repository(out, params, prs).as_dict()
    summary["seconds_to_write"] = round(time.perf_counter() - started, 1)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"wanted": wanted, "summary": summary}, indent=1), encoding="utf-8")
    return summary


def _generator_stamp() -> str:
    here = Path(__file__).parent
    return ",".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in sorted(here.glob("*.py")))


def run(scale: str, out: Path) -> Run:
    summary = prepare(scale, out, rebuild=False)
    build = out / "build"
    machine = {"nproc": str(os.cpu_count()), "python": platform.python_version(),
               "platform": platform.platform(), "cpu": _cpu_name()}
    result = Run(scale, str(out), dt.datetime.now().isoformat(timespec="minutes"), machine, summary)
    steps = result.steps
    repo = out
    _git(repo, "checkout", "-q", "-f", history.MAIN)
    # An installed package carries its bytecode; an editable install under PYTHONDONTWRITEBYTECODE
    # would compile every module again in every step, which no user's machine does.
    subprocess.run([PY, "-m", "compileall", "-q", str(synth.REPO_ROOT / "generator" / "rolebook")],
                   check=True, capture_output=True)
    for stale in (build / "internal", build / "public", build / "naive", build / ".cache", repo / ".rolebook-cache"):
        shutil.rmtree(stale, ignore_errors=True)

    steps.append(measure("floor: PyYAML CSafeLoader", [PY, "-m", "benchmarks.floor", "csafe", str(repo)],
                         repo))
    steps.append(measure("floor: yaml-rs", [PY, "-m", "benchmarks.floor", "yaml-rs", str(repo)], repo))
    steps.append(measure("validate, cold (no cache)", _rolebook("validate"), repo))
    steps.append(measure("validate again, nothing changed", _rolebook("validate"), repo))
    _git(repo, "checkout", "-q", history.PR_BRANCH)
    steps.append(measure("validate --base main (one-grant PR)", _rolebook("validate", "--base", history.MAIN), repo))
    steps.append(measure("approvals (one-grant PR)", _rolebook(
        "approvals", "--base", history.MAIN, "--head", history.PR_BRANCH, "--author", history.PR_AUTHOR,
        "--reviews", str(repo / "exports" / "reviews.json")), repo))
    _git(repo, "checkout", "-q", history.MAIN)
    for kind in ("internal", "public"):
        code = ("import datetime, pathlib; from rolebook.output.site import generate_site; "
                f"r = pathlib.Path('.').resolve(); generate_site(r, '{kind}', r / 'build' / '{kind}', "
                f"today=datetime.date.fromisoformat('{TODAY}'))")
        steps.append(measure(f"site render: {kind}", _python(code), repo))
        steps.append(measure(f"mkdocs build: {kind}", [PY, "-m", "mkdocs", "build", "--clean", "--strict", "-f",
                                                        str(build / kind / "mkdocs.yml")], repo))
    steps.append(measure("naive render (comparison)", [PY, "-m", "benchmarks.naive", str(repo),
                                                       str(build / "naive")], repo))
    steps.append(measure("mkdocs build: naive (comparison)", [PY, "-m", "mkdocs", "build", "--clean", "-f",
                                                              str(build / "naive" / "mkdocs.yml")], repo))
    why_not = zensical_available()
    for kind in ("internal", "public"):
        name = f"zensical build: {kind}"
        if why_not:
            steps.append(Step(name, note=why_not))
        else:
            steps.append(measure(name, [PY, "-m", "zensical", "build", "--clean", "-f",
                                        str(build / kind / "mkdocs.yml")], repo))
    steps += apply_bench.measure_apply(repo)  # apply --plan against a scim2-server holding the district
    judge(result)
    return result


def judge(result: Run) -> None:
    """Set each step's target and whether it was met."""
    def seconds(name: str) -> float | None:
        step = result.step(name)
        return step.seconds if step.returncode in (0, None) and not step.note else None

    def check(name: str, target: str, test: Callable[[float], bool]) -> None:
        step = result.step(name)
        step.target = target
        value = seconds(name)
        step.met = test(value) if value is not None else False

    floors = [v for v in (seconds("floor: PyYAML CSafeLoader"), seconds("floor: yaml-rs")) if v is not None]
    floor = min(floors) if floors else None
    if floor is not None:
        limit = 1.5 * floor
        check("validate, cold (no cache)", f"<= 1.5 x floor = {limit:.1f} s", lambda v: v <= limit)
    check("validate again, nothing changed", "<= 1 s", lambda v: v <= 1.0)
    check("validate --base main (one-grant PR)", "<= 1 s", lambda v: v <= 1.0)
    check("approvals (one-grant PR)", "<= 1 s", lambda v: v <= 1.0)
    apply_bench.judge_apply(check)
    internal = [seconds("site render: internal"), seconds("mkdocs build: internal")]
    public = [seconds("site render: public"), seconds("mkdocs build: public")]
    naive = seconds("mkdocs build: naive (comparison)")
    total = Step("internal site, total (render + build)")
    if None not in internal:
        total.seconds = round(sum(internal), 2)  # type: ignore[arg-type]
        total.peak_mib = max(result.step("site render: internal").peak_mib or 0,
                             result.step("mkdocs build: internal").peak_mib or 0)
        total.target = "<= 60 s and >= 2x faster than naive"
        ratio = naive / total.seconds if naive else None
        total.met = total.seconds <= 60 and ratio is not None and ratio >= 2
        total.note = f"{ratio:.1f}x faster than the naive build" if ratio else ""
    guide = Step("public guide, total (render + build)")
    if None not in public:
        guide.seconds = round(sum(public), 2)  # type: ignore[arg-type]
        guide.peak_mib = max(result.step("site render: public").peak_mib or 0,
                             result.step("mkdocs build: public").peak_mib or 0)
        guide.target, guide.met = "<= 10 s", guide.seconds <= 10
    result.steps += [total, guide]
    ours = [s for s in result.steps if not s.name.startswith(("floor", "naive", "mkdocs build: naive"))]
    peaks = [s.peak_mib for s in ours if s.peak_mib is not None]
    memory = Step("peak memory, any step", peak_mib=max(peaks) if peaks else None, target="<= 2048 MiB")
    memory.met = memory.peak_mib is not None and memory.peak_mib <= 2048
    result.steps.append(memory)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(result: Run) -> str:
    rows = [("Step", "Seconds", "Peak MiB", "Target", "Met")]
    for s in result.steps:
        met = "" if s.met is None else ("met" if s.met else "NOT met")
        seconds = f"{s.seconds:.2f}" if s.seconds is not None else (s.note or "-")
        rows.append((s.name, seconds, f"{s.peak_mib:.0f}" if s.peak_mib is not None else "-",
                     s.target, met + (f" ({s.note})" if s.note and s.seconds is not None else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(result: Run) -> str:
    d = result.district
    district = d.get("district", {}) if isinstance(d.get("district"), dict) else {}
    lines = [
        "# Benchmark: a district at full scale", "",
        f"Measured on {result.date[:10]} with `python -m benchmarks.run --scale {result.scale}` (`make bench`).",
        "Each step runs in its own process; peak memory is the step's maximum resident set size.", "",
        f"The district: {district.get('schools', '?'):,} schools, {district.get('offices', '?')} offices, "
        f"{district.get('clusters', '?')} local districts, {district.get('staff', 0):,} staff, "
        f"{district.get('role_grants', 0):,} role grants in {district.get('grants', 0):,} grant entries; "
        f"a Git history of {d.get('commits', 0):,} commits ({d.get('merges', 0):,} merged pull requests); "
        "the pull request adds one grant.", "",
        f"The machine: `nproc` = {result.machine['nproc']}, Python {result.machine['python']}, "
        f"{result.machine['cpu']}.", "",
        "| Step | Seconds | Peak MiB | Target | Met |", "|---|---:|---:|---|---|",
    ]
    for s in result.steps:
        met = "" if s.met is None else ("met" if s.met else "**not met**")
        seconds = f"{s.seconds:.2f}" if s.seconds is not None else (s.note or "–")
        note = f" ({s.note})" if s.note and s.seconds is not None else ""
        peak = f"{s.peak_mib:.0f}" if s.peak_mib is not None else "–"
        lines.append(f"| {s.name} | {seconds} | {peak} | {s.target} | {met}{note} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--out", type=Path, help="where to write the benchmark repository "
                        "(default: /tmp/rolebook-bench-SCALE)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--page", type=Path, help="write the figures as a Markdown page here")
    parser.add_argument("--rebuild", action="store_true", help="write the repository again even if it is there")
    args = parser.parse_args(argv)
    out = (args.out or Path(f"/tmp/rolebook-bench-{args.scale}")).resolve()
    if synth.REPO_ROOT in (out, *out.parents):
        parser.error("--out must be outside this checkout: the full district is not part of the repository")
    print(f"Writing or reusing the {args.scale} benchmark repository at {out} ...", flush=True)
    prepare(args.scale, out, args.rebuild)
    result = run(args.scale, out)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    if args.page:
        args.page.write_text(markdown(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
