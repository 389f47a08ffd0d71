"""The Security Audit Report pages, laid out by MkDocs once per folder and filled in by Rolebook.

A thousand report pages differ only in their title, heading and body: the theme around them (header,
navigation, scripts, relative links) is the same for every page of one folder. So the build gives MkDocs
one page per folder, the shell (`audit/schools/rolebook-shell.md`), whose title, heading and body are
marks, and once MkDocs (or Zensical) has built the site, `place_report_pages` writes each report's page
from the shell and the report's body (build/internal/theme/rolebook/audit/...), then removes the shell.
MkDocs never parses or lays out the reports themselves: at district scale that was most of its time,
and a build after a one-grant merge only renders the reports whose data changed (output/site/generate.py).

The manifest (build/internal/report-pages.json) lists the pages; the generated mkdocs.yml names the
hook (output/site/mkdocs_hook.py) that calls `place_report_pages` when MkDocs has built the site, so
`mkdocs build -f build/internal/mkdocs.yml` makes the whole site by itself. The hook also keeps MkDocs
from copying the audit folder's downloads and ready pages (`VERBATIM`: hundreds of megabytes at district
scale) byte by byte: they are linked into the site instead (`link_verbatim`), a copy only across file
systems. A builder without the hook (Zensical) copies them as any other file.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

MANIFEST = "report-pages.json"
SHELL_STEM = "rolebook-shell"
SHELL_FRAGMENT = "rolebook-shell.html"  # under the theme's rolebook/ folder: the shell's body is the mark
TITLE_MARK = "RolebookShellTitle"
HEADING_MARK = "RolebookShellHeading"
BODY_MARK = "RolebookShellBody"
HEADING_ID = "security-audit-report"  # one anchor for every report's heading (the theme's skip link)


VERBATIM_FOLDER = "audit/"  # its files other than Markdown pages reach the site as they are


def is_verbatim(relative: str) -> bool:
    """A docs file the site serves as it is, linked rather than copied: 'audit/schools/security-audit-1.xlsx'."""
    return relative.startswith(VERBATIM_FOLDER) and not relative.endswith(".md")


def link_verbatim(docs: Path, site_dir: Path) -> int:
    """Every `is_verbatim` file of the docs, hard-linked into the site (copied across file systems).
    The docs are written anew by every build, never changed in place: a link cannot change the site."""
    count = 0
    folder = docs / VERBATIM_FOLDER
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        relative = path.relative_to(docs).as_posix()
        if not path.is_file() or not is_verbatim(relative):
            continue
        target = site_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        count += 1
    return count


class ReportPagesError(Exception):
    """The built site lacks what the manifest promises; the message says what and what to do."""


@dataclass(frozen=True)
class ReportPage:
    page: str  # the built page, relative to the site: "audit/schools/100.html"
    body: str  # its body, relative to the build folder: "theme/rolebook/audit/schools/100.html"
    title: str  # the page's title, plain text

    def to_json(self) -> list[str]:
        return [self.page, self.body, self.title]


def shell_page(folder: str) -> str:
    """The shell's docs page in a folder of reports: 'audit/schools/rolebook-shell.md'."""
    return f"{folder}/{SHELL_STEM}.md"


def write_manifest(out_dir: Path, pages: list[ReportPage]) -> None:
    folders = sorted({posixpath.dirname(p.page) for p in pages})
    data = {"shells": {folder: f"{folder}/{SHELL_STEM}.html" for folder in folders},
            "pages": [p.to_json() for p in pages]}
    (out_dir / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")


def place_report_pages(out_dir: Path, site_dir: Path) -> int:
    """Write every report page of the manifest into the built site; returns how many. No manifest (the
    public build): nothing to do."""
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return 0
    data = json.loads(manifest.read_text(encoding="utf-8"))
    shells: dict[str, Shell] = {}
    for folder, shell in data["shells"].items():
        path = site_dir / shell
        if not path.is_file():
            raise ReportPagesError(f"{path}: the built site has no report shell; build it from "
                                   f"{out_dir / 'mkdocs.yml'}, which `rolebook build --internal` writes")
        shells[folder] = Shell(path.read_text(encoding="utf-8"), posixpath.basename(shell))
    for page, body, title in data["pages"]:
        shell = shells[posixpath.dirname(page)]
        text = (out_dir / body).read_text(encoding="utf-8")
        (site_dir / page).write_text(shell.fill(posixpath.basename(page), title, text), encoding="utf-8")
    for shell in data["shells"].values():
        (site_dir / shell).unlink(missing_ok=True)
    return len(data["pages"])


class Shell:
    """A built shell page, cut at its marks once; `fill` joins one report's parts into it."""

    def __init__(self, text: str, name: str):
        # The theme prints the page title twice: as it is in the header, tags stripped in <title>.
        self.name = name
        text = text.replace(f"<title>{TITLE_MARK}", "<title>\0title-text\0")
        text = text.replace(TITLE_MARK, "\0title\0").replace(HEADING_MARK.lower(), HEADING_ID)
        text = text.replace(HEADING_MARK, "\0heading\0").replace(BODY_MARK, "\0body\0")
        self.parts = text.split("\0")
        if "body" not in self.parts[1::2]:
            raise ReportPagesError(f"the report shell {name} has no {BODY_MARK}: the theme template "
                                   f"rolebook-report.html must include the page's report")

    def fill(self, page_name: str, title: str, body: str) -> str:
        escaped = html.escape(title)
        title_text = Markup(escaped).striptags()  # noqa: S704 - escaped: what the theme's striptags makes
        values = {"title": escaped, "title-text": title_text, "body": body,
                  "heading": html.escape(title, quote=False)}
        parts = self.parts
        out = [parts[0].replace(self.name, page_name)]  # a canonical URL names the page
        for index in range(1, len(parts), 2):
            out.append(values[parts[index]])
            out.append(parts[index + 1].replace(self.name, page_name))
        return "".join(out)

