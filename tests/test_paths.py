"""Every repository path and pattern is written once, in rolebook.paths, and says what it matches."""

from __future__ import annotations

import ast
from pathlib import Path

import rolebook
from rolebook import paths

PACKAGE = Path(rolebook.__file__).parent
CONSTANTS = {name for name in vars(paths) if name.isupper()}


def test_no_other_module_defines_a_repository_path() -> None:
    found = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if module == PACKAGE / "paths.py":
            continue
        text = module.read_text(encoding="utf-8")
        for node in ast.parse(text).body:  # module-level assignments
            targets = node.targets if isinstance(node, ast.Assign) else []
            targets += [node.target] if isinstance(node, ast.AnnAssign) else []
            found += [f"{module.relative_to(PACKAGE)}: {t.id}" for t in targets
                      if isinstance(t, ast.Name) and t.id in CONSTANTS]
        if r"grants\.y" in text:  # a second regular expression for the grants-file path
            found.append(f"{module.relative_to(PACKAGE)}: a grants-file pattern")
    assert found == []


def test_the_grants_file_pattern_is_the_loaders() -> None:
    match = paths.GRANTS_FILE.match("access/schools/1875/grants.yaml")
    assert match is not None and match.groups() == ("schools", "1875")
    assert paths.GRANTS_FILE.match(paths.grants_file_path(paths.OFFICES_FOLDER, "sped")) is not None
    # Files the loader never reads as grants are not grants files.
    for other in ("access/schools/1875/grants.yml", "access/schools/1875/reviews/2026-H2.yaml",
                  "access/schools/1875/x/grants.yaml", "access/staff.yaml", "roles/grants.yaml"):
        assert paths.GRANTS_FILE.match(other) is None, other


def test_review_paths() -> None:
    assert paths.review_path("1875", "2026-H2") == "access/schools/1875/reviews/2026-H2.yaml"
    assert paths.reviews_dir("1875") == "access/schools/1875/reviews"
    assert paths.DATA_DIRS == ("roles", "access")
