"""The floor: parse every YAML file of a repository (roles/ and access/) and nothing else.

    python -m benchmarks.floor yaml-rs|csafe REPO
"""

from __future__ import annotations

import sys
from pathlib import Path


def parse_all(parser: str, repo: Path) -> int:
    files = sorted(p for folder in ("roles", "access") for p in (repo / folder).rglob("*.yaml"))
    if parser == "csafe":
        import yaml

        for path in files:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    else:
        import yaml_rs

        for path in files:
            yaml_rs.loads(path.read_text(encoding="utf-8"))
    return len(files)


if __name__ == "__main__":
    print(parse_all(sys.argv[1], Path(sys.argv[2])), "files")
