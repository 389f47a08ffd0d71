"""What a benchmark run records: its steps and figures, the machine, and the JSON it is kept as.

The step names are the keys the targets (`targets.py`) and the page (`page.py`) look steps up by.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

FLOOR_CSAFE = "floor: PyYAML CSafeLoader"
FLOOR_YAML_RS = "floor: yaml-rs"
VALIDATE_COLD = "validate, cold (no cache)"
VALIDATE_WARM = "validate again, nothing changed"
PR_CHECK = "validate --base main (one-grant PR)"
APPROVALS = "approvals (one-grant PR)"
RENDER_INTERNAL = "site render: internal"
MKDOCS_INTERNAL = "mkdocs build: internal"
RENDER_PUBLIC = "site render: public"
MKDOCS_PUBLIC = "mkdocs build: public"
NAIVE_RENDER = "naive render (comparison)"
NAIVE_MKDOCS = "mkdocs build: naive (comparison)"
ZENSICAL_INTERNAL = "zensical build: internal"
ZENSICAL_PUBLIC = "zensical build: public"
INTERNAL_SITE = "internal site: rolebook build --internal, cold"
SITE_SIZE = "internal site: size on disk"
REPUBLISH = "republish after a one-grant merge: rolebook build --internal"
PUBLIC_GUIDE = "public guide, total (render + build)"
PEAK_MEMORY = "peak memory, any step"
# Steps whose memory is not Rolebook's: the floors and the naive comparison.
NOT_OURS = (FLOOR_CSAFE, FLOOR_YAML_RS, NAIVE_RENDER, NAIVE_MKDOCS)


@dataclass
class Step:
    name: str
    seconds: float | None = None
    peak_mib: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    returncode: int | None = None
    megabytes: float | None = None  # a size, for the steps that measure one (10^6 bytes)
    output_ok: bool | None = None  # False: the step was fast and wrong, so its figure answers no target


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

    def find(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def seconds(self, name: str) -> float | None:
        """A step's time, or None when it did not run or failed (a failed step has no figure to judge)."""
        step = self.find(name)
        if step is None or step.returncode not in (0, None) or step.seconds is None or step.output_ok is False:
            return None
        return step.seconds

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        known = {f.name for f in fields(Step)}
        steps = [Step(**{k: v for k, v in s.items() if k in known}) for s in data.get("steps", [])]
        return cls(str(data["scale"]), str(data["repo"]), str(data["date"]), dict(data["machine"]),
                   dict(data["district"]), steps)


def machine() -> dict[str, str]:
    """The machine the figures were measured on: CPU model, cores, memory, Python."""
    return {"cpu": _cpu_name(), "nproc": str(os.cpu_count()), "memory_gib": _memory_gib(),
            "python": platform.python_version(), "platform": platform.platform(),
            **{tool: _version(tool) for tool in ("mkdocs", "zensical")}}


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f}"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def dump(runs: list[Run]) -> str:
    """The JSON of one or more runs (one per scale)."""
    return json.dumps({"runs": [asdict(r) for r in runs]}, indent=2) + "\n"


def load(path: Path) -> list[Run]:
    """Runs kept by `dump`, or the older file of a single run."""
    data = json.loads(path.read_text(encoding="utf-8"))
    runs = data.get("runs", [data]) if isinstance(data, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise ValueError("expected an object with a list of runs")
    return [Run.from_dict(r) for r in runs]
