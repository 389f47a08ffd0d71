"""axe-core with every rule on (best practices included) on the internal site as its readers see it behind
real nginx: a school's report, the dashboard, the refusal page and a reader's list of their pages, with the search closed and with its
results open. No serious or critical violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from site_access_support import (
    AUDITOR,
    HEADER,
    build_internal,
    email,
    free_port,
    make_access_repo,
    needs_nginx,
    running_nginx,
)
from test_guide_browser import search
from test_site_browser import CHROMIUM, launched_browser

pytestmark = [needs_nginx, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

PRINCIPAL_A = "10000001"
PAGES = {  # page -> who reads it (the refusal page: a principal asking for another school's report)
    "report": ("/audit/schools/100.html", email(PRINCIPAL_A), 200),
    "dashboard": ("/audit/index.html", email(AUDITOR), 200),
    "refusal": ("/audit/schools/200.html", email(PRINCIPAL_A), 403),
    "refusal, not signed in": ("/audit/index.html", None, 403),
    "your audit pages": ("/my-reports/", email(PRINCIPAL_A), 200),
}


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("axe")
    root = make_access_repo(tmp / "repo")
    port = free_port()
    with running_nginx(build_internal(root, port), port, tmp / "nginx") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launched_browser()


def violations(page: object) -> list[tuple[str, str, list[object]]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)  # every rule, best practices included
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}]


CASES = [(name, False) for name in sorted(PAGES)] + [("report", True), ("dashboard", True)]


@pytest.mark.parametrize(("name", "with_search"), CASES,
                         ids=[f"{name}, search {'open' if open_ else 'closed'}" for name, open_ in CASES])
def test_no_serious_violation_with_all_rules(browser: object, url: str, name: str, with_search: bool) -> None:
    path, identity, status = PAGES[name]
    context = browser.new_context(  # type: ignore[attr-defined]
        extra_http_headers={HEADER: identity} if identity else {})
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(url + path, wait_until="networkidle")
        assert response is not None and response.status == status
        if with_search:  # the refusal page has no search
            search(page, "counselor")
        bad = violations(page)
        assert not bad, f"{name}: {bad}"
    finally:
        context.close()


def test_refusal_page_is_plain_and_self_contained(tmp_path: Path, browser: object, url: str) -> None:
    """No script, no request beyond the page itself: it is served to people who may read nothing."""
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(url + "/audit/index.html", wait_until="networkidle")
        assert requested == [url + "/audit/index.html"]
        assert page.locator("script").count() == 0
        assert page.locator("h1").count() == 1 and page.title()
    finally:
        context.close()
