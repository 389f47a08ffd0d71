"""Where the loader finds the grants files, without the models: the early prefetch
(`fast/prefetch.start_early`) lists them before pydantic is even imported, and must list what the
loader lists."""

from __future__ import annotations

from pathlib import Path

from rolebook.paths import ACCESS_DIR, LOCATION_FOLDERS


def grants_files(root: Path) -> list[Path]:
    """Every access/schools/<code>/grants.yaml and access/offices/<code>/grants.yaml, in order."""
    found: list[Path] = []
    for folder_name in LOCATION_FOLDERS:
        folder = root / ACCESS_DIR / folder_name
        if folder.is_dir():
            found += [p / "grants.yaml" for p in sorted(folder.iterdir())
                      if p.is_dir() and (p / "grants.yaml").exists()]
    return found
