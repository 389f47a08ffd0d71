"""The public role guide's build: the district's name, the request form, the pages it publishes, its links."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import run_cli, write_files
from test_site_build import make_site_repo

FORM = "https://github.com/test-unified/access/issues/new?template=access-request.yml"


class Links(HTMLParser):
    """Every <a href> of a page, and every id it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str | None] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a":
            self.hrefs.append(values.get("href"))


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def build(root: Path) -> Path:
    result = run_cli("build", "--public", "--repo", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "build" / "public" / "site"


@pytest.fixture(scope="module")
def guide_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site_repo(tmp_path_factory.mktemp("guide") / "repo")
    build(root)
    return root


def copy_of(repo: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(repo, root, ignore=shutil.ignore_patterns("build", ".git"))
    return root


def test_every_page_carries_the_district_name(guide_repo: Path) -> None:
    site = guide_repo / "build" / "public" / "site"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 60
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert re.search(r"<title>[^<]*Test Unified</title>", text), page.relative_to(site)


def test_site_name_set_by_the_district_wins(guide_repo: Path, tmp_path: Path) -> None:
    root = copy_of(guide_repo, tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name: Rolebook",
                                                                 "site_name: Test Unified <Access>"))
    text = (build(root) / "roles" / "counselor.html").read_text(encoding="utf-8")
    assert "Test Unified &lt;Access&gt;" in text and "<Access>" not in text


def test_broken_district_file_is_named(guide_repo: Path, tmp_path: Path) -> None:
    root = copy_of(guide_repo, tmp_path)
    write_files(root, {"access/district.yaml": "organisation: {name: [unclosed\n"})
    result = run_cli("build", "--public", "--repo", str(root))
    assert result.returncode == 2
    assert "access/district.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_no_link_is_empty_or_dead(guide_repo: Path) -> None:
    site = guide_repo / "build" / "public" / "site"
    # 404.html is served at any depth, so the theme gives it site-absolute links: left out.
    parsed = {page: parse(page) for page in site.rglob("*.html") if page.name != "404.html"}
    for page, links in parsed.items():
        for href in links.hrefs:
            where = f"{page.relative_to(site)}: {href!r}"
            assert href and href.strip() and href != "#", where
            url = urlsplit(href)
            if url.scheme or href.startswith("//"):
                assert url.scheme in {"https", "mailto"}, where
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), where
            if url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                assert url.fragment in ids or url.fragment == "__skip", where


def test_without_a_form_address_the_guide_says_how_to_request(guide_repo: Path) -> None:
    site = guide_repo / "build" / "public" / "site"
    guide = (site / "guides" / "how-to-request.html").read_text(encoding="utf-8")
    assert "rolebook:request-form" not in guide
    assert "Ask your principal" in guide and "rolebook request" in guide
    counselor = (site / "roles" / "counselor.html").read_text(encoding="utf-8")
    assert 'href="../guides/how-to-request.html"' in counselor


def test_form_address_comes_from_the_repository_url(guide_repo: Path, tmp_path: Path) -> None:
    root = copy_of(guide_repo, tmp_path)
    write_files(root, {".github/ISSUE_TEMPLATE/access-request.yml": "name: Access request\nbody: []\n"})
    config = root / "mkdocs.yml"
    config.write_text("repo_url: https://github.com/test-unified/access/\n" + config.read_text(encoding="utf-8"))
    site = build(root)
    escaped = FORM.replace("&", "&amp;")
    for page in ("guides/how-to-request.html", "roles/counselor.html"):
        assert f'href="{escaped}"' in (site / page).read_text(encoding="utf-8"), page
    assert "edit/" not in (site / "roles" / "counselor.html").read_text(encoding="utf-8")


def test_developer_benchmark_page_is_not_published(guide_repo: Path) -> None:
    assert (guide_repo / "site" / "benchmark.md").is_file()
    site = guide_repo / "build" / "public" / "site"
    assert not (site / "benchmark.html").exists()
    assert "benchmark.html" not in (site / "search" / "search_index.json").read_text(encoding="utf-8")


def test_rule_pages_name_their_source_documents(guide_repo: Path) -> None:
    site = guide_repo / "build" / "public" / "site"
    pages = [p.read_text(encoding="utf-8") for p in (site / "rules").glob("RB*.html")]
    cited = [p for p in pages if "From the documents" in p]
    assert cited
    assert not any(re.search(r"From the documents</dt><dd>[^<]*\b00\d\b", p) for p in cited)
    assert any("Guide to User Roles" in p for p in cited)
    assert any("UK guide to managing users" in p for p in cited)


def test_overview_is_cards_and_left_out_of_search(guide_repo: Path) -> None:
    site = guide_repo / "build" / "public" / "site"
    overview = (site / "roles" / "index.html").read_text(encoding="utf-8")
    assert 'class="rb-cards"' in overview and "<table" not in overview
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"location":"roles/index.html' not in index and '"location":"roles/counselor.html"' in index
