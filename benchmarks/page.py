"""The benchmark's figures as a terminal table and as the site's Markdown page (every scale on one page)."""

from __future__ import annotations

from benchmarks.figures import PEAK_MEMORY, SITE_SIZE, Run, Step

COMMAND = "make bench"


def _met(step: Step, bold: bool) -> str:
    if step.met is None:
        return ""
    if step.met:
        return "met"
    return "**not met**" if bold else "NOT met"


def _figure(step: Step) -> str:
    """The step's own figure: seconds, a size, or (for the memory row) nothing, since its column says it."""
    if step.megabytes is not None:
        return f"{step.megabytes:,.0f} MB"
    if step.seconds is not None:
        return f"{step.seconds:.2f}"
    if step.name == PEAK_MEMORY:
        return ""
    return step.note or "-"


def _note(step: Step) -> str:
    shown = step.seconds is not None or step.megabytes is not None
    return step.note if step.note and shown else ""


def table(result: Run) -> str:
    rows = [("Step", "Seconds", "Peak MiB", "Target", "Met", "Note")]
    for s in result.steps:
        rows.append((s.name, _figure(s), f"{s.peak_mib:.0f}" if s.peak_mib is not None else "-", s.target,
                     _met(s, bold=False), _note(s)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def scale_title(result: Run) -> str:
    district = result.district.get("district")
    schools = district.get("schools") if isinstance(district, dict) else None
    return f"{schools:,} schools" if isinstance(schools, int) else f"scale {result.scale}"


def _district(result: Run) -> str:
    d = result.district
    district = d.get("district") if isinstance(d.get("district"), dict) else {}
    assert isinstance(district, dict)

    def count(key: str, where: dict[str, object] = district) -> str:
        value = where.get(key)
        return f"{value:,}" if isinstance(value, int) else "?"

    return (f"The district: {count('schools')} schools, {count('offices')} offices, {count('clusters')} local "
            f"districts, {count('staff')} staff, {count('role_grants')} role grants in {count('grants')} grant "
            f"entries; a Git history of {count('commits', d)} commits ({count('merges', d)} merged pull "
            "requests); the pull request adds one grant.")


def _machine(result: Run) -> str:
    m = result.machine
    tools = "".join(f", {tool} {m[tool]}" for tool in ("mkdocs", "zensical") if tool in m)
    return (f"{m.get('cpu', 'unknown CPU')}, {m.get('nproc', '?')} cores, {m.get('memory_gib', '?')} GiB of "
            f"memory, Python {m.get('python', '?')}{tools}")


def markdown(runs: list[Run]) -> str:
    """One page: when and where, every target per scale, then each scale's full table."""
    first = runs[0]
    scales = " ".join(f"--scale {r.scale}" for r in runs)
    lines = [
        "# Benchmark: a district at full scale", "",
        f"Measured on {first.date[:10]} with `{COMMAND}` (`python -m benchmarks.run {scales}`) on "
        f"{_machine(first)}. Each step runs in its own process; peak memory is the step's maximum resident "
        "set size, children included.", "",
    ]
    for other in runs[1:]:
        if other.machine != first.machine or other.date[:10] != first.date[:10]:
            lines += [f"The {scale_title(other)} were measured on {other.date[:10]} on {_machine(other)}.", ""]
    lines += ["## Targets", ""]
    for result in runs:
        judged = [s for s in result.steps if s.target]
        missed = [s.name for s in judged if not s.met]
        lines.append(f"- {scale_title(result)}: {len(judged) - len(missed)} of {len(judged)} targets met"
                     + (f"; not met: {'; '.join(missed)}." if missed else "."))
    lines += ["", "| Scale | Step | Figure | Target | Met |", "|---|---|---:|---|---|"]
    for result in runs:
        for s in result.steps:
            if s.target:
                figure = f"{s.peak_mib:,.0f} MiB" if s.name == PEAK_MEMORY and s.peak_mib is not None else (
                    _figure(s) + (" s" if s.megabytes is None and s.seconds is not None else ""))
                note = f" ({_note(s)})" if _note(s) else ""
                lines.append(f"| {scale_title(result)} | {s.name} | {figure} | {s.target} | "
                             f"{_met(s, bold=True)}{note} |")
    for result in runs:
        lines += ["", f"## {scale_title(result)}", "", _district(result), "",
                  "| Step | Seconds | Peak MiB | Target | Met |", "|---|---:|---:|---|---|"]
        for s in result.steps:
            note = f" ({_note(s)})" if _note(s) else ""
            peak = f"{s.peak_mib:.0f}" if s.peak_mib is not None else "–"
            figure = _figure(s) if s.name != SITE_SIZE or s.megabytes is not None else "–"
            lines.append(f"| {s.name} | {figure or '–'} | {peak} | {s.target} | {_met(s, bold=True)}{note} |")
    return "\n".join(lines) + "\n"
