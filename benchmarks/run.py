"""The benchmark: seeded districts at scale, every step timed in its own process, against the targets.

    python -m benchmarks.run [--scale full|full2000|small ...] [--out DIR] [--json FILE] [--page FILE]
                             [--rebuild] [--prepare-only] [--no-apply]
    python -m benchmarks.run --from-json FILE [FILE ...] --page FILE     # a page from kept figures

`full` is 1,000 schools (75,000 staff, 20,000 commits), `full2000` the largest district's scale (2,000
schools, 150,000 staff, 40,000 commits); without --scale both run, one after the other. Each scale's
repository is written once to DIR (default /tmp/rolebook-bench-<scale>; never inside the checkout) and
reused while its parameters and generator are unchanged. Every step runs as a subprocess whose peak
memory comes from os.wait4. Prints a table per scale with each figure beside its target (targets.py);
--json keeps the figures with the date and the machine, --page writes every scale on one Markdown page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import apply_bench, figures, history, page
from benchmarks.figures import (
    APPROVALS,
    FLOOR_CSAFE,
    FLOOR_YAML_RS,
    INTERNAL_SITE,
    MKDOCS_INTERNAL,
    MKDOCS_PUBLIC,
    NAIVE_MKDOCS,
    NAIVE_RENDER,
    PR_CHECK,
    RENDER_INTERNAL,
    RENDER_PUBLIC,
    REPUBLISH,
    SITE_SIZE,
    VALIDATE_COLD,
    VALIDATE_WARM,
    ZENSICAL_INTERNAL,
    ZENSICAL_PUBLIC,
    Run,
    Step,
)
from benchmarks.targets import TARGETS, judge
from tools import synth

__all__ = ["PY", "TODAY", "Run", "Step", "measure"]  # apply_bench measures its steps with these


# scale -> (district, pull requests in the history (two commits each), run the naive comparison)
SCALES: dict[str, tuple[synth.Params, int, bool]] = {
    "full": (synth.PRESETS["full"], 10_000, True),
    # The naive build of 2,000 schools would take minutes and answers no target: it runs at 1,000 only.
    "full2000": (synth.PRESETS["full2000"], 20_000, False),
    "small": (synth.Params(schools=20, clusters=2, offices=8, staff=1500, seed=7), 200, True),
}
DEFAULT_SCALES = ("full", "full2000")
TODAY = synth.TODAY.isoformat()
PY = sys.executable
QUICK_RUNS = 3  # runs of each one-second step; the median is the figure
MERGED = "bench/main-after-merge"  # main with the pull request merged, for the republish step
# What makes a benchmark repository: a change to any of these writes it again.
GENERATOR_FILES = ("benchmarks/history.py", "tools/synth/*.py")


def measure(name: str, argv: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,)) -> Step:
    """Run one step as a child process: wall time, and its peak resident memory (children included)."""
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(synth.REPO_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("CI", None)  # CI turns the validation cache off; the benchmark measures a person's run
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    peak_file = cwd / "build" / f"bench-{slug}.maxrss"
    peak_file.unlink(missing_ok=True)
    print(f"  {name} ...", end=" ", flush=True)
    with open(cwd / "build" / f"bench-{slug}.log", "wb") as log:
        started = time.perf_counter()
        code = subprocess.call([PY, "-m", "benchmarks.child", str(peak_file), *argv], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - started
    peak_kib, seconds = _measured(peak_file, seconds)
    step = Step(name, round(seconds, 2), round(peak_kib / 1024, 1), returncode=code)
    if code not in ok_codes:
        step.note = f"exit code {code} (see build/bench-{slug}.log)"
    print(f"{seconds:.2f} s" + (f", {step.note}" if step.note else ""), flush=True)
    return step


def _measured(result_file: Path, outside: float) -> tuple[int, float]:
    """(peak KiB, seconds) as the helper measured them (`benchmarks.child`); the time taken from outside,
    helper included, if it wrote none."""
    lines = result_file.read_text().split() if result_file.exists() else []
    try:
        return int(lines[0]) if lines else 0, float(lines[1]) if len(lines) > 1 else outside
    except ValueError:
        return 0, outside


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
    """Write the scale's repository at `out`, or reuse it when its parameters and generator are the same."""
    params, prs, _naive = SCALES[scale]
    stamp = out / "build" / "bench-repository.json"
    wanted = {"params": repr(params), "prs": prs, "generator": generator_stamp()}
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


def generator_stamp() -> str:
    """A digest of the code that writes a benchmark repository (contents, not times: a checkout keeps it)."""
    digest = hashlib.sha256()
    for pattern in GENERATOR_FILES:
        for path in sorted(synth.REPO_ROOT.glob(pattern)):
            digest.update(path.relative_to(synth.REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def site_size(site: Path) -> Step:
    """The built site's size on disk (allocated blocks, what a disk or an upload holds), and its content."""
    files = [p for p in site.rglob("*") if p.is_file()] if site.is_dir() else []
    if not files:
        return Step(SITE_SIZE, note=f"no site at {site}")
    stats = [p.stat() for p in files]
    on_disk = sum(s.st_blocks * 512 for s in stats)
    content = sum(s.st_size for s in stats)
    return Step(SITE_SIZE, megabytes=round(on_disk / 1e6, 1), returncode=0,
                note=f"{len(files):,} files, {content / 1e6:,.0f} MB of content")


def run(scale: str, out: Path, with_apply: bool = True) -> Run:
    summary = prepare(scale, out, rebuild=False)
    _params, _prs, naive = SCALES[scale]
    repo, build = out, out / "build"
    zensical_available()  # installs it when it can, before the machine's tools are written down
    result = Run(scale, str(out), dt.datetime.now().isoformat(timespec="minutes"), figures.machine(), summary)
    steps = result.steps
    _git(repo, "checkout", "-q", "-f", history.MAIN)
    subprocess.run(["git", "branch", "-q", "-D", MERGED], cwd=repo, capture_output=True, check=False)
    # An installed package carries its bytecode; an editable install under PYTHONDONTWRITEBYTECODE
    # would compile every module again in every step, which no user's machine does.
    subprocess.run([PY, "-m", "compileall", "-q", str(synth.REPO_ROOT / "generator" / "rolebook")],
                   check=True, capture_output=True)
    _clear(repo)
    print(f"{page.scale_title(result)} ({scale}) at {repo}:", flush=True)

    steps.append(measure(FLOOR_CSAFE, [PY, "-m", "benchmarks.floor", "csafe", str(repo)], repo))
    steps.append(measure(FLOOR_YAML_RS, [PY, "-m", "benchmarks.floor", "yaml-rs", str(repo)], repo))
    steps.append(measure(VALIDATE_COLD, _rolebook("validate"), repo))
    steps.append(measure_quick(VALIDATE_WARM, _rolebook("validate"), repo))
    _git(repo, "checkout", "-q", history.PR_BRANCH)
    steps.append(measure_quick(PR_CHECK, _rolebook("validate", "--base", history.MAIN), repo))
    steps.append(measure_quick(APPROVALS, _rolebook(
        "approvals", "--base", history.MAIN, "--head", history.PR_BRANCH, "--author", history.PR_AUTHOR,
        "--reviews", str(repo / "exports" / "reviews.json")), repo))
    _git(repo, "checkout", "-q", history.MAIN)
    steps += _site_steps(repo, build, naive)
    number = summary.get("pr_number")
    steps += _republish(repo, build, number if isinstance(number, int) else 0)
    _check_republished(result.step(REPUBLISH), build / "internal" / "site", summary)
    if with_apply:
        steps += apply_bench.measure_apply(repo)  # apply --plan against a scim2-server holding the district
    judge(result, TARGETS[scale])
    return result


def measure_quick(name: str, argv: list[str], cwd: Path) -> Step:
    """A step of about a second, as the median of QUICK_RUNS runs: on a shared machine one run of a
    second can take five (every run is printed)."""
    return apply_bench.median_step([measure(name, argv, cwd) for _ in range(QUICK_RUNS)])


def _clear(repo: Path) -> None:
    """Every build and cache of an earlier run: each timed build starts cold unless it says otherwise."""
    build = repo / "build"
    for stale in (build / "internal", build / "public", build / "naive", build / ".cache",
                  repo / ".rolebook-cache"):
        shutil.rmtree(stale, ignore_errors=True)


def _site_steps(repo: Path, build: Path, naive: bool) -> list[Step]:
    """Render and `mkdocs build` of each site as separate steps (where the time goes), then Zensical."""
    steps = []
    for kind, render, mkdocs in (("internal", RENDER_INTERNAL, MKDOCS_INTERNAL),
                                 ("public", RENDER_PUBLIC, MKDOCS_PUBLIC)):
        code = ("import datetime, pathlib; from rolebook.output.site import generate_site; "
                f"r = pathlib.Path('.').resolve(); generate_site(r, '{kind}', r / 'build' / '{kind}', "
                f"today=datetime.date.fromisoformat('{TODAY}'))")
        steps.append(measure(render, _python(code), repo))
        steps.append(measure(mkdocs, [PY, "-m", "mkdocs", "build", "--clean", "--strict", "-f",
                                      str(build / kind / "mkdocs.yml")], repo))
    if naive:
        steps.append(measure(NAIVE_RENDER, [PY, "-m", "benchmarks.naive", str(repo), str(build / "naive")], repo))
        steps.append(measure(NAIVE_MKDOCS, [PY, "-m", "mkdocs", "build", "--clean", "-f",
                                            str(build / "naive" / "mkdocs.yml")], repo))
    why_not = zensical_available()
    for kind, name in (("internal", ZENSICAL_INTERNAL), ("public", ZENSICAL_PUBLIC)):
        if why_not:
            steps.append(Step(name, note=why_not))
        else:  # the same rendered pages, built by Zensical instead of MkDocs
            command = [PY, "-m", "zensical", "build", "--clean", "-f", str(build / kind / "mkdocs.yml")]
            if kind == "internal":  # Zensical runs no MkDocs hooks: the report pages are placed after it
                command = ["sh", "-c", '"$0" -m zensical build --clean -f "$1" && '
                           '"$0" -m rolebook.output.site.mkdocs_hook "$2"', PY,
                           str(build / kind / "mkdocs.yml"), str(build / kind)]
            steps.append(measure(name, command, repo))
    return steps


def _republish(repo: Path, build: Path, number: int) -> list[Step]:
    """A full `rolebook build --internal` from cold, then the one-grant pull request merged into main
    (as GitHub merges it) and the build again, reusing whatever the first build kept: the republish."""
    shutil.rmtree(build / "internal", ignore_errors=True)
    shutil.rmtree(repo / ".rolebook-cache", ignore_errors=True)
    steps = [measure(INTERNAL_SITE, _rolebook("build", "--internal"), repo)]
    steps.append(site_size(build / "internal" / "site"))
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-21T12:00:00Z", "GIT_COMMITTER_DATE": "2026-11-21T12:00:00Z"}
    try:
        _git(repo, "checkout", "-q", "-b", MERGED, history.MAIN)
        merged = subprocess.run(["git", "-c", "user.name=GitHub", "-c", "user.email=noreply@github.com", "merge",
                                 "-q", "--no-ff", "-m", f"Merge pull request #{number} from {history.PR_BRANCH}",
                                 history.PR_BRANCH], cwd=repo, env=env, capture_output=True, text=True, check=False)
        if merged.returncode != 0:
            steps.append(Step(REPUBLISH, note=f"git merge failed: {merged.stderr.strip()[-200:]}"))
        else:
            steps.append(measure(REPUBLISH, _rolebook("build", "--internal"), repo))
    finally:
        _git(repo, "checkout", "-q", "-f", history.MAIN)
        subprocess.run(["git", "branch", "-q", "-D", MERGED], cwd=repo, capture_output=True, check=False)
    return steps


def _check_republished(step: Step, site: Path, summary: dict[str, object]) -> None:
    """A republish that leaves the merged grant out is fast and wrong: the school's pages must name the
    new holder. (The incremental build's own test proves byte-equality; this guards the figure.)"""
    pr_file, employee = str(summary.get("pr_file", "")), str(summary.get("pr_employee", ""))
    if step.returncode != 0 or not pr_file.startswith("access/schools/") or not employee:
        return
    code = pr_file.split("/")[2]
    pages = list(site.rglob(f"*{code}*.html")) if site.is_dir() else []
    step.output_ok = any(employee in p.read_text(encoding="utf-8", errors="replace") for p in pages)
    if not step.output_ok:
        where = ", ".join(p.relative_to(site).as_posix() for p in pages[:3]) or f"no page of school {code}"
        step.note = f"wrong output: the merged grant of {employee} is not in {where}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), action="append",
                        help="full (1,000 schools), full2000 (2,000) or small; repeat for several "
                             "(default: full and full2000)")
    parser.add_argument("--out", type=Path, help="where to write the benchmark repository, with one --scale "
                        "(default: /tmp/rolebook-bench-SCALE)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--page", type=Path, help="write the figures as a Markdown page here")
    parser.add_argument("--rebuild", action="store_true", help="write the repository again even if it is there")
    parser.add_argument("--prepare-only", action="store_true", help="write (or check) the repositories, time nothing")
    parser.add_argument("--no-apply", action="store_true", help="skip the apply --plan steps (scim2-server)")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="FILE",
                        help="make the table and page from figures kept with --json, running nothing")
    args = parser.parse_args(argv)
    if args.from_json:
        return _from_json(parser, args.from_json, args.json, args.page)
    scales = list(dict.fromkeys(args.scale or DEFAULT_SCALES))
    if args.out and len(scales) > 1:
        parser.error("--out needs exactly one --scale")
    outs = {s: (args.out or Path(f"/tmp/rolebook-bench-{s}")).resolve() for s in scales}
    for out in outs.values():
        if synth.REPO_ROOT in (out, *out.parents):
            parser.error("--out must be outside this checkout: the full district is not part of the repository")
    results: list[Run] = []
    for scale, out in outs.items():
        print(f"Writing or reusing the {scale} benchmark repository at {out} ...", flush=True)
        summary = prepare(scale, out, args.rebuild)
        if args.prepare_only:
            print(json.dumps(summary, indent=1))
            continue
        result = run(scale, out, with_apply=not args.no_apply)
        print(page.table(result), flush=True)
        results.append(result)
        _write(results, args.json, args.page)  # after each scale: a later failure keeps the earlier figures
    return 0


def _write(results: list[Run], json_file: Path | None, page_file: Path | None) -> None:
    if not results:
        return
    if json_file:
        json_file.write_text(figures.dump(results), encoding="utf-8")
    if page_file:
        page_file.write_text(page.markdown(results), encoding="utf-8")


def _from_json(parser: argparse.ArgumentParser, files: list[Path], json_file: Path | None,
               page_file: Path | None) -> int:
    results: list[Run] = []
    for path in files:
        try:
            results += figures.load(path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"{path}: not figures written by --json ({error}); run the benchmark with --json FILE")
    for result in results:
        print(page.table(result))
    _write(results, json_file, page_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
