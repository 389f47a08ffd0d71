"""`python -m tools.synth`: write a seeded district into a repository, and print what was written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rolebook.loading.errors import LoadFailed

from tools.synth.presets import PRESETS, Params
from tools.synth.write import generate

USAGE = """\
    python -m tools.synth --preset demo --out .            # the committed demo district
    python -m tools.synth --preset full --out /tmp/full    # the benchmark's district
    python -m tools.synth --schools 20 --clusters 2 --offices 3 --staff 400 --seed 7 --out /tmp/d
"""
SIZES = ("schools", "clusters", "offices", "staff", "seed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.synth", epilog=USAGE,
                                     description="Write a deterministic, seeded synthetic school district.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), help="demo: the committed demo district; "
                        "full: 1,000 schools and 75,000 staff for the benchmark")
    parser.add_argument("--out", type=Path, required=True, help="repository to write access/ into")
    for size in SIZES:
        parser.add_argument(f"--{size}", type=int)
    parser.add_argument("--roles-from", type=Path,
                        help="repository whose roles/*.yaml to fit (default: this checkout)")
    args = parser.parse_args(argv)
    params = PRESETS[args.preset] if args.preset else Params()
    overrides: dict[str, Any] = {k: getattr(args, k) for k in SIZES if getattr(args, k) is not None}
    if args.roles_from is not None:
        overrides["roles_from"] = args.roles_from
    if args.preset is None or "schools" in overrides:
        overrides["level_mix"] = None  # explicit sizes: the default mix of levels
    params = replace(params, **overrides)
    origin = None if args.preset and not overrides else f"tools/synth, seed {params.seed}"
    try:
        summary = generate(args.out, params, origin)
    except LoadFailed as failed:
        for error in failed.errors:
            print(error.format(), file=sys.stderr)
        print(f"\nThe role catalog cannot be loaded ({len(failed.errors)} problem(s)): fix it, then generate again.",
              file=sys.stderr)
        return 2
    except ValueError as exc:
        parser.error(str(exc))
    for key, value in asdict(summary).items():
        if key == "warnings":
            continue
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v:,}")
        else:
            print(f"{key}: {value:,}")
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
