"""The naive site, for comparison: the same school, office and role pages, rendered the obvious way.

Every school and office is listed in the navigation (so every page's sidebar carries all of them),
tables are plain Markdown (Python-Markdown parses each cell), and the usual extension set is on. The
benchmark times `mkdocs build` of this next to the real internal site.

    python -m benchmarks.naive REPO OUT_DIR      # writes OUT_DIR/docs and OUT_DIR/mkdocs.yml
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml_rs

CONFIG = """site_name: Rolebook (naive build)
use_directory_urls: false
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
  features: [navigation.sections, navigation.indexes]
plugins: [search]
markdown_extensions:
  - tables
  - toc
  - admonition
  - attr_list
  - md_in_html
  - def_list
  - footnotes
  - abbr
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.highlight
  - pymdownx.inlinehilite
  - pymdownx.tabbed
  - pymdownx.emoji
  - pymdownx.tasklist
"""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(repo: Path, out: Path) -> int:
    """Write the naive site's docs and config; returns the number of pages."""
    load = lambda relative: yaml_rs.loads((repo / relative).read_text(encoding="utf-8"))  # noqa: E731
    district = load("access/district.yaml")
    staff = {m["employee"]: m for m in load("access/staff.yaml")["staff"]}
    roles = {p.stem: yaml_rs.loads(p.read_text(encoding="utf-8")) for p in sorted((repo / "roles").glob("*.yaml"))
             if p.stem not in {"categories", "policy"}}
    docs = out / "docs"
    pages: list[tuple[str, str, str]] = []  # (section, title, path)
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    places = [("schools", s) for s in district["schools"]] + [("offices", o) for o in district["offices"]]
    for folder, place in places:
        path = repo / "access" / folder / place["code"] / "grants.yaml"
        grants = (yaml_rs.loads(path.read_text(encoding="utf-8")).get("grants") or []) if path.exists() else []
        lines = [f"# {place['name']} ({place['code']})", "", "| Employee | Name | Position | Roles | Granted | "
                 "Expires | Status |", "|---|---|---|---|---|---|---|"]
        for grant in grants:
            member = staff.get(grant["employee"], {})
            name = f"{member.get('first_name', '')} {member.get('last_name', '')}".strip()
            lines.append("| " + " | ".join(_cell(v) for v in (
                grant["employee"], name, member.get("position", ""), ", ".join(grant["roles"]),
                grant.get("granted", ""), grant.get("expires", ""), grant.get("status", "active"))) + " |")
            for role in grant["roles"]:
                holders[role].append((place["code"], name))
        relative = f"{folder}/{place['code']}.md"
        _write(docs / relative, "\n".join(lines) + "\n")
        pages.append((folder.title(), f"{place['code']} {place['name']}", relative))
    for role_id, role in roles.items():
        lines = [f"# {role.get('name', role_id)}", "", str(role.get("description", "")), "",
                 "| Location | Holder |", "|---|---|"]
        lines += [f"| {_cell(code)} | {_cell(name)} |" for code, name in holders.get(role_id, [])]
        relative = f"roles/{role_id}.md"
        _write(docs / relative, "\n".join(lines) + "\n")
        pages.append(("Roles", str(role.get("name", role_id)), relative))
    _write(docs / "index.md", "# Rolebook\n\nEvery school, office and role, one page each.\n")
    nav = ["nav:", "  - Home: index.md"]
    for section in ("Schools", "Offices", "Roles"):
        nav.append(f"  - {section}:")
        nav += [f"    - {_quote(title)}: {path}" for sec, title, path in pages if sec == section]
    _write(out / "mkdocs.yml", CONFIG + "\n".join(nav) + "\n")
    return len(pages) + 1


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    print(render(Path(sys.argv[1]), Path(sys.argv[2])), "pages")
