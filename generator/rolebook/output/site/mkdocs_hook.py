"""The MkDocs hook the internal build's generated mkdocs.yml names (rolebook.output.site.report_pages):
MkDocs leaves the audit folder's downloads and ready pages alone, and once it has built the site they
are linked into it and the Security Audit Report pages are placed in it. A builder that runs no hooks
(Zensical) copies everything itself; run this module after it to place the reports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rolebook.output.site.report_pages import ReportPagesError, is_verbatim, link_verbatim, place_report_pages


def on_files(files: Any, config: Any, **_: Any) -> Any:
    for file in [f for f in files if is_verbatim(f.src_uri)]:
        files.remove(file)
    return files


def on_post_build(config: Any, **_: Any) -> None:
    site_dir = Path(config.site_dir)
    link_verbatim(Path(config.docs_dir), site_dir)
    place_report_pages(Path(config.config_file_path).parent, site_dir)


def main(argv: list[str]) -> int:
    """`python -m rolebook.output.site.mkdocs_hook BUILD_DIR [SITE_DIR]`: place the reports after a
    builder that runs no MkDocs hooks (Zensical: `zensical build -f build/internal/mkdocs.yml`)."""
    if len(argv) not in (1, 2):
        print("usage: python -m rolebook.output.site.mkdocs_hook BUILD_DIR [SITE_DIR]\n"
              "  BUILD_DIR: the folder of the generated mkdocs.yml (build/internal); SITE_DIR: the built site "
              "(default: BUILD_DIR/site)", file=sys.stderr)
        return 2
    out_dir = Path(argv[0])
    try:
        placed = place_report_pages(out_dir, Path(argv[1]) if len(argv) == 2 else out_dir / "site")
    except (ReportPagesError, OSError, ValueError) as error:
        print(f"rolebook: {error}", file=sys.stderr)
        return 2
    print(f"Placed {placed} Security Audit Report page(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
