"""The public role guide in headless Chromium, as its readers meet it: on a laptop (1,280 px) and a phone
(390 px) the overview's role names stay whole; the search finds the role a query is about first (Material's
results, re-ordered by assets/rolebook.js); and axe-core,
with every rule on (best practices included) and the search results open, finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_site_browser import CHROMIUM, Watched, launched_browser, served_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                       "(apt-get install -y chromium)"),
]

WIDTHS = {"laptop": 1280, "phone": 390}
PAGES = {"home": "index.html", "overview": "roles/index.html", "role": "roles/counselor-plus.html",
         "guide": "guides/how-to-request.html"}

# For each role name in the overview: the places where its text moves to a new line that are not at a
# space (a break inside a word), and whether the name is wider than its box.
BREAKS_INSIDE_WORDS = """() => [...document.querySelectorAll('.rb-card__name a')].map(a => {
  const text = a.firstChild; const value = text.textContent; const range = document.createRange();
  const bad = []; let top = null;
  for (let i = 0; i < value.length; i++) {
    range.setStart(text, i); range.setEnd(text, i + 1);
    const rect = range.getClientRects()[0];
    if (!rect) continue;
    if (top !== null && rect.top > top + 1 && !/\\s/.test(value[i]) && !/\\s/.test(value[i - 1])) {
      bad.push(value.slice(0, i) + '|' + value.slice(i));
    }
    top = rect.top;
  }
  const box = a.closest('.rb-card__name');
  return {name: value, bad: bad, overflows: box.scrollWidth > box.clientWidth + 1};
})"""


@pytest.fixture(scope="module")
def guide_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from served_site(tmp_path_factory, "public")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launched_browser()


@pytest.fixture
def watched(browser: object, guide_url: str) -> Iterator[Watched]:
    """A laptop-sized page."""
    page = Watched(browser, guide_url)
    page.page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})
    yield page
    page.context.close()


@pytest.fixture(params=sorted(WIDTHS), ids=sorted(WIDTHS))
def sized(request: pytest.FixtureRequest, browser: object, guide_url: str) -> Iterator[Watched]:
    """The page at a laptop's and at a phone's width."""
    page = Watched(browser, guide_url)
    page.page.set_viewport_size({"width": WIDTHS[request.param], "height": 900})
    yield page
    page.context.close()


def search(page: object, query: str) -> list[str]:
    """Type a query in Material's search box; the results' page addresses, best first."""
    page.keyboard.press("/")  # type: ignore[attr-defined]
    page.keyboard.type(query)  # type: ignore[attr-defined]
    meta = page.locator(".md-search-result__meta")  # type: ignore[attr-defined]
    meta.filter(has_text="matching document").wait_for(timeout=15000)
    page.wait_for_function(  # type: ignore[attr-defined]
        "q => document.querySelector('.md-search-result__list').dataset.rbRanked === q",
        arg=query.strip().lower(), timeout=15000)
    links = page.locator(".md-search-result__item > a")  # type: ignore[attr-defined]
    links.first.wait_for(state="attached", timeout=15000)
    return [str(href).rsplit("/", 1)[-1] for href in links.evaluate_all("els => els.map(e => e.href)")]


def test_role_names_never_break_inside_a_word(sized: Watched) -> None:
    watched = sized
    page = watched.open("roles/index.html")
    names = page.evaluate(BREAKS_INSIDE_WORDS)  # type: ignore[attr-defined]
    assert len(names) > 50
    broken = [n for n in names if n["bad"] or n["overflows"]]
    assert not broken, broken[:5]
    assert any(" " in n["name"] for n in names)
    watched.assert_clean()


def test_overview_fits_the_screen(sized: Watched) -> None:
    watched = sized
    page = watched.open("roles/index.html")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[attr-defined]
    assert width[0] <= width[1], "the overview scrolls sideways"
    if page.viewport_size["width"] >= 1280:  # type: ignore[attr-defined]
        height = page.evaluate("() => document.documentElement.scrollHeight")  # type: ignore[attr-defined]
        assert height < 9000, f"the overview is {height} px tall"
    watched.assert_clean()


@pytest.mark.parametrize(("query", "first"), [
    ("Counselor", "counselor.html"),  # the name itself, before "Counselor Plus"
    ("transcripts", "counselor-plus.html"),  # journey 3: a counselor looks for transcripts
    ("Counselors and designated", "counselor.html"),  # a type of user
    ("Master Scheduling", "scheduling-administrator.html"),
    ("Health Office", "health-office.html"),
])
def test_search_ranks_the_role_page_first(watched: Watched, query: str, first: str) -> None:
    page = watched.open("index.html")
    results = search(page, query)
    assert results[0] == first, results[:5]
    watched.assert_clean()


@pytest.mark.parametrize(("query", "role"), [("Counselor", "counselor.html"),
                                             ("transcripts", "counselor-plus.html")])
def test_search_puts_role_pages_above_everything_else(watched: Watched, query: str, role: str) -> None:
    """A role whose name, module or description matches comes before any guide, rule or overview page."""
    page = watched.open("index.html")
    results = search(page, query)
    assert role in results[:3], results[:5]
    roles = page.locator(".md-search-result__item > a").evaluate_all(
        "els => els.map(e => new URL(e.href).pathname.startsWith('/roles/') && !e.href.endsWith('/index.html'))")
    assert roles[0] and roles == sorted(roles, reverse=True), results  # role pages first, then the others
    watched.assert_clean()


def test_search_leaves_the_overview_out(watched: Watched) -> None:
    page = watched.open("index.html")
    results = page.locator(".md-search-result__item > a")
    search(page, "Counselor")
    hrefs = results.evaluate_all("els => els.map(e => e.href)")
    assert hrefs and not any("roles/index.html" in h for h in hrefs), hrefs
    watched.assert_clean()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_violation_with_all_rules_and_search_open(sized: Watched, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    watched = sized
    page = watched.open(PAGES[name])
    search(page, "transcripts")
    dialog = page.locator('.md-search[role="dialog"]')
    assert dialog.get_attribute("aria-label"), "the search dialog has no accessible name"
    results = Axe().run(page)  # every rule, best practices included
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{PAGES[name]}: {bad}"
    watched.assert_clean()


def test_district_name_heads_every_page(watched: Watched) -> None:
    for path in PAGES.values():
        page = watched.open(path)
        assert "Test Unified" in page.title()
        assert "Test Unified" in page.locator(".md-header__topic").first.inner_text()
    watched.assert_clean()


def test_role_page_keeps_details_off_the_overview(watched: Watched) -> None:
    page = watched.open("roles/index.html")
    page.locator(".rb-card__name a", has_text="Counselor Plus").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().strip() == "Counselor Plus"
    assert "Transcripts" in page.locator(".rb-list").first.inner_text()
    assert page.locator(".rb-facts").is_visible()
    watched.assert_clean()
