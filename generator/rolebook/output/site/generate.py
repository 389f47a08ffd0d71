"""Render the site's Markdown and data files from Jinja templates, in one pass, then write the config.

`generate_site` writes build/<kind>/docs (hand-written pages from site/, generated pages, downloads,
assets) and build/<kind>/mkdocs.yml, which INHERITs the repository's mkdocs.yml and sets docs_dir,
site_dir and nav. It does not run MkDocs: `run_mkdocs` does, so a benchmark can time each part.

The internal build also writes build/internal/theme (the config's `theme.custom_dir`) and the Security
Audit Reports. MkDocs lays out one shell page per folder of reports and the hook the config names places
each report in a copy of it (output/site/report_pages.py): at a thousand schools, MkDocs parsing and
laying out every report was most of the build. Each report's tables and downloads are kept in
build/internal/cache under the digest of everything they show (`LocationJob.render`), so the next build
renders only the reports whose data changed; the result is byte for byte the build made from nothing.
Each location's "Access on past dates" page is kept there too, under the digest of the history it shows
(output/site/as_of_pages.py).
Theme templates are never copied into the site, so a fragment only ever reaches readers inside its page.

At district scale the work runs in forked processes (`_forking`), the loaded data shared by fork: the as-of
pages in one process started as soon as the data and its history are read (the longest single task), the
person index and the reports in a pool of one worker per CPU, in small shares, at a lower priority than
the as-of pages and this process, which meanwhile checks the policy and writes the index pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import multiprocessing
import os
import posixpath
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment

from rolebook.facts.history import History, read_history
from rolebook.facts.readers import readers
from rolebook.infra.gcpause import collector_paused, keep_loaded
from rolebook.infra.result_cache import Artifacts, package_stamp
from rolebook.loading import Repository, load_catalog, load_repository
from rolebook.output.site import audit, guide, report
from rolebook.output.site.access_map import REPORTS_PAGE, SiteAccessSettings, write_readers
from rolebook.output.site.as_of_pages import cache_names as as_of_cache_names
from rolebook.output.site.as_of_pages import write_as_of_pages
from rolebook.output.site.exports import SheetPart, csv_bytes, neutralised, sheet_part, xlsx_from_sheet
from rolebook.output.site.markup import prose, title
from rolebook.output.site.report_pages import (
    BODY_MARK,
    HEADING_MARK,
    MANIFEST,
    SHELL_FRAGMENT,
    TITLE_MARK,
    ReportPage,
    shell_page,
    write_manifest,
)
from rolebook.output.templates import html_environment

KINDS = ("public", "internal")
SITE_DIR = "site"
CONFIG_FILE = "mkdocs.yml"
THEME_DIR = "theme"  # the generated config's theme.custom_dir, beside it
CACHE_DIR = "cache"  # beside it too: what the next build may reuse (kept between CI runs by the workflow)
# The code that turns a location's rows into its tables and downloads: a change to it is a new digest for
# every report. (What the rows hold, from the data, the history and today's date, is in the digest itself.)
REPORT_CODE = ("output/site/generate.py", "output/site/report.py", "output/site/audit.py",
               "output/site/exports.py", "output/site/markup.py", "output/templates.py", "output/markdown_text.py",
               "templates/site/audit/report.html.j2", "templates/site/macros.j2")
REPORT_TEMPLATE = "rolebook-report.html"
PARALLEL_FROM = 60  # locations: below this, starting worker processes costs more than it saves
MAX_WORKERS = 8
SHARE_SIZE = 40  # locations per task given to a worker
REPORT_NICENESS = 5  # the report workers' lower priority (see _locations_rendered)
REQUEST_GUIDE = "guides/how-to-request.md"
DEFAULT_SITE_NAME = "Rolebook"  # mkdocs.yml's site_name as the template ships it: the organisation's name wins
ISSUE_FORM = ".github/ISSUE_TEMPLATE/access-request.yml"  # the Access request form, a GitHub issue form
# Where a hand-written page says how to reach the request form: the link, or what to do without one.
REQUEST_FORM_MARKER = "<!-- rolebook:request-form -->"
# Pages of site/ written for the project's developers, never published (the benchmark writes this one).
UNPUBLISHED_PAGES = frozenset({"benchmark.md"})
# The search index is one file every reader fetches: no audit page may be in it (Material's front matter).
SEARCH_EXCLUDED = "audit/"
SEARCH_EXCLUSION = "search:\n  exclude: true\n"
INTERNAL_CSS = "assets/internal/rolebook-internal.css"  # the internal build's additions, after mkdocs.yml's own
Progress = Callable[[str], None]


def _quiet(step: str) -> None:
    """No progress wanted."""


class SiteError(Exception):
    """The site cannot be generated; the message says why and what to do."""


@dataclass
class Pages:
    """Writes pages into the docs folder being built, and remembers which exist for the nav."""

    docs: Path
    theme: Path

    def write(self, relative: str, text: str | bytes) -> None:
        if isinstance(text, str) and relative.startswith(SEARCH_EXCLUDED) and relative.endswith(".md"):
            text = excluded_from_search(text)
        self._write(self.docs / relative, text)

    def write_fragment(self, relative: str, html: str) -> None:
        """HTML that a theme template includes. Jinja reads it as a template: no `{` may reach it, and a raw
        block is lexed about twice as fast as plain text."""
        self._write(self.theme / relative, "{% raw %}" + html.replace("{", "&#123;") + "{% endraw %}")

    def write_theme(self, relative: str, text: str) -> None:
        """A file of the theme folder that no template includes: a report body (report_pages.py)."""
        self._write(self.theme / relative, text)

    @staticmethod
    def _write(path: Path, text: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")

    def exists(self, relative: str) -> bool:
        return (self.docs / relative).is_file()


def excluded_from_search(page: str) -> str:
    """The page with `search: exclude: true` in its front matter (added, or a front matter made for it)."""
    if not page.startswith("---\n"):
        return f"---\n{SEARCH_EXCLUSION}---\n\n{page}"
    end = page.find("\n---", 3)
    front = page[4:end + 1] if end > 0 else ""
    if "\nsearch:" in f"\n{front}":
        return page
    return f"---\n{SEARCH_EXCLUSION}{page[4:]}"


def environment() -> Environment:
    """The site's HTML environment (rolebook.output.templates), with the pages' titles, prose and links."""
    env = html_environment()
    env.filters["title"] = title
    env.filters["prose"] = prose
    env.globals["link"] = link
    return env


@cache  # a district's report pages ask for the same few hundred links hundreds of thousands of times
def link(from_page: str, to_page: str) -> str:
    """A relative URL between two docs pages (Markdown paths), as the built site has them (.html)."""
    target = to_page[:-3] + ".html" if to_page.endswith(".md") else to_page
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


class RoleLinks(dict[str, str]):
    """Role id -> the role page's URL from one page, made on first use (a report row links its roles)."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page

    def __missing__(self, role: str) -> str:
        self[role] = href = link(self.page, f"roles/{role}.md")
        return href


def read_settings(repo_root: Path) -> dict[str, Any]:
    """The repository's mkdocs.yml, for the few settings the pages need (tags such as !!python/name kept)."""
    path = repo_root / CONFIG_FILE
    if not path.is_file():
        raise SiteError(f"{CONFIG_FILE}: not found in {repo_root}. The site's settings live there; copy the "
                        f"mkdocs.yml of the Rolebook template repository to the repository root.")

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise SiteError(f"{CONFIG_FILE}: cannot be read: {exc}") from exc
    return data if isinstance(data, dict) else {}


def generate_site(repo_root: Path, kind: str, out_dir: Path, site_dir: Path | None = None,
                  today: dt.date | None = None, built_at: dt.datetime | None = None,
                  progress: Progress = _quiet) -> Path:
    """Render the docs of one build ('public' or 'internal') into out_dir; return its mkdocs config.

    The internal build also writes out_dir/readers.json: who reads which pages (rolebook.facts.readers),
    from which `write_access_map` makes the web server's configuration once MkDocs has built the site."""
    if kind not in KINDS:
        raise SiteError(f"unknown build '{kind}': use one of {', '.join(KINDS)}")
    repo_root = repo_root.resolve()
    out_dir = out_dir.resolve()
    settings = read_settings(repo_root)
    today = today or dt.date.today()
    built_at = built_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    (out_dir / MANIFEST).unlink(missing_ok=True)  # an earlier internal build's, in this folder
    staging = out_dir / "docs.new"
    theme_staging = out_dir / f"{THEME_DIR}.new"
    for folder in (staging, theme_staging):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    pages = Pages(staging, theme_staging)
    _copy_static(repo_root, staging)
    env = environment()
    extra_setting = settings.get("extra")
    extra: dict[str, Any] = extra_setting if isinstance(extra_setting, dict) else {}
    repo_url = str(settings.get("repo_url") or "").strip().rstrip("/")
    request_form = request_form_url(repo_root, extra, repo_url)
    site_name = district_name(repo_root, settings)
    common = {"kind": kind, "request_form": request_form, "repo_url": repo_url, "today": today,
              "built_at": built_at, "site_name": site_name}
    _fill_request_form(env, staging, common)  # only the hand-written pages are there yet

    progress("Loading the data")
    if kind == "public":
        repo = load_catalog(repo_root)
        nav_extra: list[Any] = []
        _render_guide(env, pages, repo, guide.group_names(repo_root), common)
    else:
        # `git log` runs while the repository loads: at district scale each takes seconds.
        with ThreadPoolExecutor(max_workers=1) as background:
            reading = background.submit(read_history, repo_root, repo_root / "build" / ".cache")
            repo = load_repository(repo_root)
            _render_guide(env, pages, repo, {g.id: g.name for g in repo.groups.values()}, common)
            history = reading.result()
        kept = Artifacts(out_dir / CACHE_DIR)
        # Each location's "Access on past dates" page, from the Git history alone: started now, beside
        # everything else, in a process of its own at district scale (the longest single part of a build).
        with _as_of_pages_made(AsOfJob(env, pages, repo, history, today, common, kept)):
            progress("Checking the policy and working out who reads what")
            data = audit.collect(repo, today, built_at, history)
            write_readers(out_dir, readers(repo, data.accesses, today), SiteAccessSettings(
                identity_header=repo.policy.site_access.identity_header, contact=repo.policy.site_access.contact,
                site_name=site_name, report_roles=_role_names(repo, repo.policy.audit_report_roles),
                identity_field=repo.policy.site_access.identity_field.value),
                repo.location_name)
            progress(f"Rendering {len(repo.schools) + len(repo.offices)} Security Audit Reports")
            nav_extra = _render_audit(env, pages, data, {**common, "commit": data.commit_label}, kept)
    if not pages.exists("index.md"):
        pages.write("index.md", env.get_template("site/index.md.j2").render(**common))

    docs = out_dir / "docs"
    theme = out_dir / THEME_DIR
    for folder, staged in ((docs, staging), (theme, theme_staging)):
        _replace_folder(folder, staged)
    extra_css: list[str] | None = None
    if kind == "internal":  # a list in the generated config replaces the inherited one: repeat it
        inherited = settings.get("extra_css")
        extra_css = [*(str(css) for css in inherited if css), INTERNAL_CSS] if isinstance(inherited, list) \
            else [INTERNAL_CSS]
    return _write_config(repo_root, out_dir, site_dir or out_dir / "site", pages_in(docs), nav_extra,
                         custom_theme=kind == "internal", site_name=site_name, extra_css=extra_css)


def _replace_folder(folder: Path, staged: Path) -> None:
    """The staged folder in the old one's place; the old one is removed by a thread, while MkDocs runs
    (thousands of files at district scale: seconds of unlinking). The process waits for it at exit."""
    old = folder.with_name(f"{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)  # an earlier build's, cut short
    if folder.exists():
        folder.rename(old)
    staged.rename(folder)
    if old.exists():
        threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True},
                         name="rolebook-remove-old-docs").start()


def _role_names(repo: Repository, role_ids: list[str]) -> str:
    """'Office Manager, Principal and Scheduling Administrator': the roles as a sentence names them."""
    names = [repo.roles[r].name if r in repo.roles else r for r in role_ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else "—"


def district_name(repo_root: Path, settings: dict[str, Any]) -> str:
    """The name every page's header and title carry: mkdocs.yml's site_name when the district set one,
    otherwise the organisation's name in access/district.yaml (its `organisation:` block, never people)."""
    configured = str(settings.get("site_name") or "").strip()
    if configured and configured != DEFAULT_SITE_NAME:
        return configured
    try:
        return guide.organisation_name(repo_root) or configured or DEFAULT_SITE_NAME
    except ValueError as exc:
        raise SiteError(f"{exc}\n    the site takes the organisation's name from this file; fix it, or set "
                        f"site_name in {CONFIG_FILE}") from None


def request_form_url(repo_root: Path, extra: dict[str, Any], repo_url: str) -> str:
    """The Access request form's address: mkdocs.yml's extra.request_form_url, or, when the repository
    has the issue form and mkdocs.yml names the repository (repo_url), GitHub's address for that form.
    Empty when neither is known: the pages then say how to request without it."""
    configured = str(extra.get("request_form_url") or "").strip()
    if configured:
        return configured
    if repo_url and (repo_root / ISSUE_FORM).is_file():
        return f"{repo_url}/issues/new?template={posixpath.basename(ISSUE_FORM)}"
    return ""


def _fill_request_form(env: Environment, docs: Path, common: dict[str, Any]) -> None:
    """Replace the request-form marker of the hand-written pages with the link, or the way without one."""
    for path in docs.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if REQUEST_FORM_MARKER in text:
            page = path.relative_to(docs).as_posix()
            sentence = env.get_template("site/guide/request-form.md.j2").render(**common, page=page).strip()
            path.write_text(text.replace(REQUEST_FORM_MARKER, sentence), encoding="utf-8")


def pages_in(docs: Path) -> Callable[[str], bool]:
    return lambda relative: (docs / relative).is_file()


def _copy_static(repo_root: Path, docs: Path) -> None:
    """The package's assets (styles, scripts, the mermaid copy), then the repository's site/ over them."""
    assets = resources.files("rolebook") / "assets"
    with resources.as_file(assets) as folder:
        shutil.copytree(folder, docs / "assets", dirs_exist_ok=True)
    source = repo_root / SITE_DIR
    if source.is_dir():
        shutil.copytree(source, docs, dirs_exist_ok=True, ignore=lambda folder, names: [
            name for name in names if Path(folder) == source and name in UNPUBLISHED_PAGES])


def _render_guide(env: Environment, pages: Pages, repo: Repository, groups: dict[str, str],
                  common: dict[str, Any]) -> None:
    sections = guide.guide_sections(repo, groups)
    request_link = common["request_form"] or None
    role_template = env.get_template("site/guide/role.md.j2")
    pages.write("roles/index.md", env.get_template("site/guide/roles.md.j2").render(
        **common, sections=sections, page="roles/index.md", request_link=request_link,
        request_guide=REQUEST_GUIDE))
    for section in sections:
        for role in section["roles"]:
            page = f"roles/{role['id']}.md"
            pages.write(page, role_template.render(
                **common, role=role, section=section, page=page, request_link=request_link,
                request_guide=REQUEST_GUIDE))
    rules = guide.rule_views(repo)
    pages.write("rules/index.md", env.get_template("site/guide/rules.md.j2").render(**common, rules=rules,
                                                                             page="rules/index.md"))
    rule_template = env.get_template("site/guide/rule.md.j2")
    for rule in rules:
        page = f"rules/{rule['code']}.md"
        pages.write(page, rule_template.render(**common, rule=rule, page=page))


def _render_audit(env: Environment, pages: Pages, data: audit.AuditData, common: dict[str, Any],
                  kept: Artifacts) -> list[Any]:
    repo = data.repo
    theme_template = resources.files("rolebook").joinpath("templates/site/theme", REPORT_TEMPLATE)
    (pages.theme / REPORT_TEMPLATE).write_text(theme_template.read_text(encoding="utf-8"), encoding="utf-8")
    codes = [*repo.schools, *repo.offices]
    href = {code: f"audit/{'schools' if code in repo.schools else 'offices'}/{code}.md" for code in codes}
    headers = {code: audit.location_header(data, code) for code in codes}
    _write_shells(env, pages, common, sorted({posixpath.dirname(page) for page in href.values()}))
    write_manifest(pages.docs.parent, [
        ReportPage(page[:-3] + ".html", f"{THEME_DIR}/rolebook/{page[:-3]}.html",
                   " ".join(f"Security Audit Report: {headers[code]['name']}".split()))
        for code, page in href.items()])
    job = LocationJob(env, pages, data, common, headers, kept, href)
    with _locations_rendered(job, codes):
        # Meanwhile, the pages about every location (the person index, seconds at district scale, is the
        # workers' first task).
        clusters = _render_audit_indexes(env, pages, data, common, headers, href)
    kept.prune({f"{posixpath.basename(posixpath.dirname(page))}-{code}" for code, page in href.items()}
               | as_of_cache_names(repo))
    return [{"Audit": [
        {"Your audit pages": "/" + REPORTS_PAGE},  # served by nginx from the access map, not by MkDocs
        {"Dashboard": "audit/index.md"},
        {"All locations": "audit/locations.md"},
        {"Find a person": "audit/people.md"},
        {"Local districts": [{c["cluster"].name: c["page"]} for c in clusters]},
    ]}]


def _write_shells(env: Environment, pages: Pages, common: dict[str, Any], folders: list[str]) -> None:
    """The one page per folder of reports that MkDocs lays out, with marks for each report's parts."""
    template = env.get_template("site/audit/location.md.j2")
    pages.write_theme(f"rolebook/{SHELL_FRAGMENT}", BODY_MARK)
    for folder in folders:
        page = shell_page(folder)
        pages.write(page, template.render(**common, page=page, title=TITLE_MARK, heading=HEADING_MARK,
                                          report=SHELL_FRAGMENT))


def _render_audit_indexes(env: Environment, pages: Pages, data: audit.AuditData, common: dict[str, Any],
                          headers: dict[str, dict[str, Any]], href: dict[str, str]) -> list[dict[str, Any]]:
    """The district pages, all locations, the dashboard and the person index; returns the districts."""
    repo = data.repo
    clusters: list[dict[str, Any]] = []
    for cluster in repo.clusters.values():
        schools = [headers[s.code] for s in repo.schools.values() if s.cluster == cluster.id]
        page = f"audit/districts/{cluster.id}.md"
        clusters.append({"cluster": cluster, "page": page, "schools": schools})
        pages.write(page, env.get_template("site/audit/district.md.j2").render(
            **common, page=page, cluster=cluster, schools=schools, href=href))
    offices = [headers[code] for code in repo.offices]
    pages.write("audit/locations.md", env.get_template("site/audit/locations.md.j2").render(
        **common, page="audit/locations.md", clusters=clusters, offices=offices, href=href))
    pages.write("audit/index.md", env.get_template("site/audit/dashboard.md.j2").render(
        **common, page="audit/index.md", board=audit.dashboard(data, headers), href=href))
    pages.write("audit/people.md", env.get_template("site/audit/people.md.j2").render(
        **common, page="audit/people.md"))
    return clusters


def _render_people(pages: Pages, data: audit.AuditData, href: dict[str, str]) -> None:
    """The person index's data (audit/people.json): everyone, with their access everywhere."""
    with collector_paused():  # hundreds of thousands of lists that all live until written: no cycles to find
        people = audit.people_index(data, {code: link("audit/people.md", page) for code, page in href.items()})
        pages.write("audit/people.json", json.dumps(people, ensure_ascii=False, separators=(",", ":")))


@dataclass
class LocationJob:
    """What rendering the Security Audit Reports needs; forked workers inherit it (see _locations_rendered)."""

    env: Environment
    pages: Pages
    data: audit.AuditData
    common: dict[str, Any]
    headers: dict[str, dict[str, Any]]
    kept: Artifacts  # the tables and downloads of the last build, by the digest of what they show
    href: dict[str, str]  # location code -> its report's page

    def render_people(self) -> None:
        _render_people(self.pages, self.data, self.href)

    def render(self, codes: list[str]) -> None:
        """Each location's report body (a theme file, placed in its page after MkDocs: report_pages.py)
        and its CSV and XLSX downloads.

        The header (commit, build time) is rendered every time; the tables and the downloads' rows are
        kept from the last build when the digest of everything they show is the same: the rows (their
        status as of today, who approved, live since, review decisions, findings), the role counts and
        the code that renders them. Equal digests, equal bytes: a build after a one-grant merge renders
        the tables of the one school the grant changed."""
        data, pages, common = self.data, self.pages, self.common
        header_template = self.env.get_template("site/audit/report-header.html.j2")
        report_template = self.env.get_template("site/audit/report.html.j2")
        escaped = report.EscapedText()  # shared by the reports: most values recur from school to school
        stamp = package_stamp(*REPORT_CODE)
        for code in codes:
            folder = "schools" if code in data.repo.schools else "offices"
            page = f"audit/{folder}/{code}.md"
            header = self.headers[code]
            rows = audit.location_rows(data, code)
            counts = audit.role_counts(data, code)
            preamble = audit.export_preamble(data, header)
            stem = f"security-audit-{code}"
            digest = hashlib.sha256(repr((
                stamp, page, [_row_values(row) for row in rows], counts, header["name"], header["live_on"],
                header["findings"], common["repo_url"], len(preamble))).encode()).hexdigest()
            name = f"{folder}-{code}"
            parts = self.kept.get(name, digest)
            if parts is not None and len(parts) == 3:
                table, csv_data, sheet = parts[0].decode("utf-8"), parts[1], SheetPart.from_bytes(parts[2])
            else:
                table = report_template.render(
                    **common, page=page, header=header,
                    rows=report.access_rows(rows, RoleLinks(page), common["repo_url"], escaped,
                                            bool(header["live_on"])),
                    counts=counts)
                safe = neutralised([row.export() for row in rows])
                csv_data = csv_bytes(audit.EXPORT_HEADER, safe)
                sheet = sheet_part(audit.EXPORT_HEADER, safe, len(preamble))
                self.kept.put(name, digest, [table.encode("utf-8"), csv_data, sheet.to_bytes()])
            pages.write(f"audit/{folder}/{stem}.csv", csv_data)
            pages.write(f"audit/{folder}/{stem}.xlsx", xlsx_from_sheet(
                f"Security Audit Report: {header['name']}", preamble, sheet))
            pages.write_theme(f"rolebook/audit/{folder}/{code}.html", header_template.render(
                **common, page=page, header=header, csv=f"{stem}.csv", xlsx=f"{stem}.xlsx") + table)


_ROW_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(audit.Row) if f.name != "review"))
_REVIEW_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(audit.ReviewCells)))


def _row_values(row: audit.Row) -> tuple[Any, ...]:
    """Every field of a report row, as plain values (a quarter of a million rows: a dataclass's own repr
    costs seconds); a field added to Row is in the digest without a change here."""
    return _ROW_FIELDS(row), _REVIEW_FIELDS(row.review)


_job: LocationJob | None = None  # the job forked workers inherit: nothing large is pickled to them
_as_of_job: AsOfJob | None = None  # likewise, the as-of pages


@dataclass
class AsOfJob:
    """The as-of pages' inputs, rendered by `render` in this process or in a forked worker."""

    env: Environment
    pages: Pages
    repo: Repository
    history: History
    today: dt.date
    common: dict[str, Any]
    kept: Artifacts  # the pages of the last build, by the digest of the history they show

    def render(self) -> None:
        write_as_of_pages(self.env, self.pages, self.repo, self.history, self.today, self.common, self.kept)


def _yielding() -> None:
    os.nice(REPORT_NICENESS)


def _render_share(codes: list[str]) -> None:
    assert _job is not None
    _job.render(codes)


def _render_people_share() -> None:
    assert _job is not None
    _job.render_people()


def _render_as_of() -> None:
    assert _as_of_job is not None
    _as_of_job.render()


def _forking(locations: int) -> bool:
    """Whether the build renders in forked workers: at district scale, where a CPU each pays."""
    return (min(os.cpu_count() or 1, MAX_WORKERS) >= 2 and locations >= PARALLEL_FROM
            and "fork" in multiprocessing.get_all_start_methods())


@contextmanager
def _as_of_pages_made(job: AsOfJob) -> Iterator[None]:
    """The as-of pages, made while the with-block runs (done when it ends). At district scale in a process
    forked before the block, so it starts at once and holds only the loaded data, not the block's."""
    if not _forking(len(job.repo.schools) + len(job.repo.offices)):
        yield
        job.render()
        return
    global _as_of_job
    _as_of_job = job
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            made = pool.submit(_render_as_of)
            yield
            made.result()
    finally:
        _as_of_job = None


@contextmanager
def _locations_rendered(job: LocationJob, codes: list[str]) -> Iterator[None]:
    """Render the reports while the with-block runs; they are done when it ends.

    The reports are independent, so at district scale they are rendered by one forked worker per CPU
    (the loaded data is shared with the workers by fork, not copied) while this process goes on with
    the block; small builds render in-process, before the block."""
    if not _forking(len(codes)):
        job.render(codes)
        job.render_people()
        yield
        return
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    global _job
    _job = job
    # Out of the collector's sight for good, as the loaded repository already is: otherwise each worker's
    # collections walk the accesses and findings, writing to (so copying) the pages they share.
    keep_loaded(len(job.data.accesses))
    try:
        context = multiprocessing.get_context("fork")
        # The report workers yield to this process and to the as-of pages (one long task each, the
        # build's critical path) and fill the time those leave; small shares, so none waits on another.
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_yielding) as pool:
            size = max(1, min(SHARE_SIZE, len(codes) // (workers * 4) or 1))
            shares = [pool.submit(_render_people_share)]
            shares += [pool.submit(_render_share, codes[i:i + size]) for i in range(0, len(codes), size)]
            yield
            for share in shares:
                share.result()
    finally:
        _job = None


def _write_config(repo_root: Path, out_dir: Path, site_dir: Path, exists: Callable[[str], bool],
                  nav_extra: list[Any], custom_theme: bool = False, site_name: str = DEFAULT_SITE_NAME,
                  extra_css: list[str] | None = None) -> Path:
    nav: list[Any] = []
    if exists("index.md"):
        nav.append({"Home": "index.md"})
    nav.append({"Role guide": "roles/index.md"})
    guides = [g for g in ("guides/how-to-request.md", "guides/how-to-approve.md", "guides/lost-super-user.md")
              if exists(g)]
    if guides:
        nav.append({"How to": guides})
    nav.append({"Policy rules": "rules/index.md"})
    # For a district taking Rolebook on: adopting it, and the GitHub settings the gate relies on.
    district = [{title: page} for title, page in (("Adopt Rolebook", "adopt.md"), ("GitHub setup", "setup.md"),
                                                  ("Publish the internal site", "internal-site.md"))
                if exists(page)]
    if district:
        nav.append({"For the district": district})
    nav.extend(nav_extra)
    config: dict[str, object] = {
        "INHERIT": os.path.relpath(repo_root / CONFIG_FILE, out_dir),
        "site_name": html.escape(site_name),  # the theme prints it unescaped, as it does page titles
        # The docs are generated: an "edit this page" link to the repository would lead nowhere.
        "edit_uri": "",
        "docs_dir": "docs",
        "site_dir": os.path.relpath(site_dir.resolve(), out_dir),
        "nav": nav,
        # Pages reached from index pages, not from the sidebar: a sidebar listing every school would
        # weigh hundreds of KB on every page at district scale.
        "not_in_nav": "\n".join(["/roles/*.md", "/rules/*.md", "/audit/schools/*.md", "/audit/offices/*.md"]),
    }
    if custom_theme:  # merged into the inherited theme settings by MkDocs and Zensical alike
        config["theme"] = {"custom_dir": THEME_DIR}
        # Places the Security Audit Reports in the built site (report_pages.py): MkDocs lays out one
        # shell page per folder of reports, never the reports themselves.
        config["hooks"] = [str(Path(__file__).with_name("mkdocs_hook.py"))]
    if extra_css is not None:
        config["extra_css"] = extra_css
    path = out_dir / CONFIG_FILE
    path.write_text("# Generated by `rolebook build`; edit the repository's mkdocs.yml instead.\n"
                    + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
