"""Real nginx (Debian's) with the configuration `rolebook build --internal` writes, and headless Chromium
sending the sign-on proxy's identity header: each reader gets exactly the pages the data gives them."""

from __future__ import annotations

import csv
import gzip
import io
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from site_access_support import (
    AUDITOR,
    HEADER,
    build_internal,
    copy_repo,
    email,
    fetch,
    free_port,
    make_access_repo,
    needs_nginx,
    running_nginx,
)
from test_site_browser import CHROMIUM, launched_browser

pytestmark = [needs_nginx]

PRINCIPAL_A, OFFICE_MANAGER_A, TEACHER_A = "10000001", "10000002", "10000003"
PRINCIPAL_B = "20000001"
LOCAL_DISTRICT, SPED_OPERATIONS = "90000005", "90000004"
REPORT_A, REPORT_B = "/audit/schools/100.html", "/audit/schools/200.html"
CSV_A, XLSX_A = "/audit/schools/security-audit-100.csv", "/audit/schools/security-audit-100.xlsx"
CSV_B = "/audit/schools/security-audit-200.csv"
DISTRICT_WIDE = ["/audit/index.html", "/audit/people.html", "/audit/people.json", "/audit/locations.html",
                 "/audit/districts/ld-test.html"]
OFFICE = "/audit/offices/SPEDOPS.html"
MY_REPORTS = "/my-reports/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The district's internal site, built once, behind real nginx: (URL, repository)."""
    tmp = tmp_path_factory.mktemp("served")
    root = make_access_repo(tmp / "repo")
    port = free_port()
    with running_nginx(build_internal(root, port), port, tmp / "nginx") as url:
        yield url, root


@pytest.fixture(scope="module")
def url(served: tuple[str, Path]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    yield from launched_browser()


class Reader:
    """One person's browser: every request carries their identity, as oauth2-proxy forwards it."""

    def __init__(self, browser: object, url: str, identity: str | None):
        headers = {HEADER: identity} if identity else {}
        self.context = browser.new_context(extra_http_headers=headers)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.url = url

    def status(self, path: str) -> int:
        response = self.page.goto(self.url + path)
        assert response is not None
        return int(response.status)

    def download(self, path: str) -> tuple[int, bytes]:
        response = self.context.request.get(self.url + path)
        return int(response.status), bytes(response.body())


@pytest.fixture
def reader(browser: object, url: str) -> Iterator[object]:
    opened: list[Reader] = []

    def open_as(identity: str | None) -> Reader:
        opened.append(Reader(browser, url, identity))
        return opened[-1]

    yield open_as
    for each in opened:
        each.context.close()


def test_principal_reads_own_report_and_downloads_only(reader: object) -> None:
    principal = reader(email(PRINCIPAL_A))  # type: ignore[operator]
    assert principal.status(REPORT_A) == 200
    assert "Security Audit Report" in principal.page.locator("h1").inner_text()
    status, body = principal.download(CSV_A)
    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Location Code" and any(r[1] == PRINCIPAL_A for r in rows[1:])
    status, body = principal.download(XLSX_A)
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert any(row[1].value == PRINCIPAL_A for row in sheet.iter_rows())
    assert principal.status(REPORT_B) == 403
    assert principal.download(CSV_B)[0] == 403
    for path in DISTRICT_WIDE:
        assert principal.status(path) == 403, path
    assert principal.status("/roles/index.html") == 200  # the role guide is for every signed-in person


def test_refusal_page_names_whom_to_ask_and_who_is_signed_in(reader: object) -> None:
    principal = reader(email(PRINCIPAL_A))  # type: ignore[operator]
    assert principal.status(REPORT_B) == 403
    text = principal.page.locator("main").inner_text()
    assert email(PRINCIPAL_A) in text
    assert "the access administrators" in text  # policy.site_access.contact
    nobody = reader(None)  # type: ignore[operator]
    assert nobody.status(REPORT_A) == 403
    assert "not signed in" in nobody.page.locator("main").inner_text()


def test_office_manager_reads_own_school(reader: object) -> None:
    manager = reader(email(OFFICE_MANAGER_A))  # type: ignore[operator]
    assert manager.status(REPORT_A) == 200
    assert manager.download(CSV_A)[0] == 200
    assert manager.status(REPORT_B) == 403
    assert manager.status("/audit/index.html") == 403


def test_teacher_reads_no_audit_page(reader: object) -> None:
    teacher = reader(email(TEACHER_A))  # type: ignore[operator]
    for path in [REPORT_A, CSV_A, XLSX_A, REPORT_B, OFFICE, *DISTRICT_WIDE]:
        assert teacher.status(path) == 403 if path.endswith(".html") else teacher.download(path)[0] == 403, path
    assert teacher.status("/index.html") == 200


def test_auditor_reads_everything(reader: object) -> None:
    auditor = reader(email(AUDITOR))  # type: ignore[operator]
    for path in [REPORT_A, REPORT_B, OFFICE, "/audit/index.html", "/audit/people.html", "/audit/locations.html",
                 "/audit/districts/ld-test.html"]:
        assert auditor.status(path) == 200, path
    for path in (CSV_A, XLSX_A, CSV_B, "/audit/people.json"):
        assert auditor.download(path)[0] == 200, path


def test_the_person_index_travels_compressed(served: tuple[str, Path]) -> None:
    """Tens of megabytes at district scale: gzip on the way, the file's bytes once inflated."""
    url, root = served
    request = urllib.request.Request(url + "/audit/people.json",
                                     headers={HEADER: email(AUDITOR), "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        body = response.read()
    on_disk = (root / "build/internal/site/audit/people.json").read_bytes()
    assert len(body) < len(on_disk) and gzip.decompress(body) == on_disk
    assert fetch(url + "/audit/people.json", email(PRINCIPAL_A))[0] == 403  # compressed or not, not hers


def test_access_administrator_reads_district_pages(url: str) -> None:
    for path in (REPORT_B, "/audit/index.html", "/audit/people.json"):
        assert fetch(url + path, email("90000001"))[0] == 200, path


def test_local_district_reads_its_schools_and_sped_operations_its_office(url: str) -> None:
    for path in (REPORT_A, REPORT_B, CSV_B):
        assert fetch(url + path, email(LOCAL_DISTRICT))[0] == 200, path
    assert fetch(url + "/audit/index.html", email(LOCAL_DISTRICT))[0] == 403
    assert fetch(url + OFFICE, email(SPED_OPERATIONS))[0] == 200
    assert fetch(url + REPORT_A, email(SPED_OPERATIONS))[0] == 403
    assert fetch(url + OFFICE, email(PRINCIPAL_A))[0] == 403


def test_no_identity_reads_nothing(reader: object) -> None:
    nobody = reader(None)  # type: ignore[operator]
    for path in ["/index.html", "/roles/index.html", "/search/search_index.json", REPORT_A, *DISTRICT_WIDE]:
        assert nobody.status(path) == 403 if path.endswith(".html") else nobody.download(path)[0] == 403, path


def test_identity_is_compared_in_lowercase_and_unknown_files_fail_closed(url: str) -> None:
    assert fetch(url + REPORT_A, email(PRINCIPAL_A).upper())[0] == 200
    # Not one location's file: district-wide, so refused, not "not found" (no probing for schools).
    assert fetch(url + "/audit/schools/999.html", email(PRINCIPAL_A))[0] == 403
    assert fetch(url + "/audit/schools/999.html", email(AUDITOR))[0] == 404
    assert fetch(url + "/audit/schools/../people.json", email(PRINCIPAL_A))[0] == 403


def test_signed_in_name_is_escaped_on_the_refusal_page_and_the_list(url: str) -> None:
    status, body = fetch(url + REPORT_A, "<script>alert(1)</script>@evil.example")
    assert status == 403
    assert b"<script>alert" not in body and b"&lt;script&gt;" in body
    status, body = fetch(url + MY_REPORTS, "<script>alert(1)</script>@evil.example")  # so is their list
    assert status == 200 and b"<script>alert" not in body and b"&lt;script&gt;" in body


def test_suspended_principal_loses_access_at_the_next_build(tmp_path: Path, served: tuple[str, Path]) -> None:
    root = copy_repo(served[1], tmp_path / "repo")
    port = free_port()
    with running_nginx(build_internal(root, port), port, tmp_path / "before") as url:
        assert fetch(url + REPORT_A, email(PRINCIPAL_A))[0] == 200
    grants = root / "access/schools/100/grants.yaml"
    text = grants.read_text(encoding="utf-8")
    principal = '  - employee: "10000001"\n    roles: [principal]\n'
    assert principal in text
    grants.write_text(text.replace(principal, principal + "    status: suspended\n"), encoding="utf-8")
    with running_nginx(build_internal(root, port), port, tmp_path / "after") as url:
        assert fetch(url + REPORT_A, email(PRINCIPAL_A))[0] == 403
        assert fetch(url + REPORT_A, email(OFFICE_MANAGER_A))[0] == 200
        assert REPORT_A not in listed(fetch(url + MY_REPORTS, email(PRINCIPAL_A))[1])  # nor is it listed


def listed(body: bytes) -> list[str]:
    """The links of a list page's main part, in order."""
    main = body.decode("utf-8").split("<main>", 1)[1].split("</main>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', main)


def test_each_reader_finds_the_pages_they_may_read_at_my_reports(url: str) -> None:
    """/my-reports/ lists exactly what the signed-in reader may fetch, and every link there opens."""
    as_of_a = "/audit/schools/100/as-of.html"
    status, body = fetch(url + MY_REPORTS, email(PRINCIPAL_A))
    assert status == 200 and email(PRINCIPAL_A).encode() in body
    mine = listed(body)
    assert [link for link in mine if link.startswith("/audit/")] == [REPORT_A, CSV_A, XLSX_A, as_of_a]
    for link in mine:
        assert fetch(url + link, email(PRINCIPAL_A))[0] == 200, link
    assert listed(fetch(url + MY_REPORTS, email(OFFICE_MANAGER_A))[1]) == mine  # one list for one school
    other = listed(fetch(url + MY_REPORTS, email(PRINCIPAL_B))[1])
    assert REPORT_B in other and REPORT_A not in other
    district = listed(fetch(url + MY_REPORTS, email(LOCAL_DISTRICT))[1])
    assert {REPORT_A, REPORT_B} <= set(district) and OFFICE not in district
    assert OFFICE in listed(fetch(url + MY_REPORTS, email(SPED_OPERATIONS))[1])
    status, body = fetch(url + MY_REPORTS, email(TEACHER_A))
    assert status == 200 and b"None of the audit pages is yours" in body
    assert not [link for link in listed(body) if link.startswith("/audit/")]
    status, body = fetch(url + MY_REPORTS, email(AUDITOR))
    assert status == 200 and listed(body)[0] == "/audit/index.html"
    assert fetch(url + MY_REPORTS, None)[0] == 403


def test_the_lists_are_reached_only_through_my_reports(served: tuple[str, Path]) -> None:
    """A list asked for by its file name is not found, whoever asks: nobody reads another's list."""
    url, root = served
    lists = sorted((root / "build/internal/site/_rolebook/reports").glob("*.html"))
    assert len(lists) >= 5  # the schools', the office's, the local district's, everything, nothing
    for page in lists:
        for identity in (AUDITOR, PRINCIPAL_A):
            assert fetch(f"{url}/_rolebook/reports/{page.name}", email(identity))[0] == 404, page.name
    assert b'href="/my-reports/"' in fetch(url + "/index.html", email(TEACHER_A))[1]  # every page's menu links it
    refused = fetch(url + REPORT_B, email(PRINCIPAL_A))[1]
    assert b'href="/my-reports/"' in refused  # and so does the refusal


def test_the_list_escapes_the_names_it_shows(tmp_path: Path, served: tuple[str, Path]) -> None:
    root = copy_repo(served[1], tmp_path / "repo")
    district = root / "access/district.yaml"
    text = district.read_text(encoding="utf-8")
    assert "name: Maple Elementary," in text
    district.write_text(text.replace("name: Maple Elementary,", 'name: "<i>Maple</i> & Co",'), encoding="utf-8")
    port = free_port()
    with running_nginx(build_internal(root, port), port, tmp_path / "nginx") as url:
        body = fetch(url + MY_REPORTS, email(PRINCIPAL_A))[1]
    assert b"<i>Maple" not in body and b"&lt;i&gt;Maple&lt;/i&gt; &amp; Co (100)" in body


def test_build_writes_the_listen_address_and_root(served: tuple[str, Path]) -> None:
    conf = (served[1] / "build/internal/nginx/rolebook-internal.conf").read_text(encoding="utf-8")
    assert f"root {served[1] / 'build/internal/site'};" in conf
    assert "listen 127.0.0.1:" in conf
    assert f'"{email(PRINCIPAL_A)}"' in conf


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--listen", "0.0.0.0:80; include /etc/passwd", "--listen"),
    ("--server-root", "relative/site", "--server-root"),
])
def test_bad_option_is_refused_before_building(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = run_cli("build", "--internal", option, value, "--repo", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_build_names_the_readers_it_cannot_recognise(tmp_path: Path) -> None:
    """The site tests' district before e-mails: every reader is listed, and the map gives them nothing."""
    from test_site_build import make_site_repo

    root = make_site_repo(tmp_path / "repo")
    result = run_cli("build", "--internal", "--server-root", "/srv/rolebook/site", "--repo", str(root))
    assert result.returncode == 0, result.stderr
    assert "cannot be recognised by the web server" in result.stderr
    assert "10000001 Pat Park (location 100): no email in access/staff.yaml" in result.stderr
    assert "90000001 Ada Admin (district-wide pages)" in result.stderr
    conf = (root / "build/internal/nginx/rolebook-internal.conf").read_text(encoding="utf-8")
    assert "root /srv/rolebook/site;" in conf and "listen 127.0.0.1:8080;" in conf
    assert "@" not in conf.split("map $uri")[0].split("default u;")[1]  # no identity is mapped


def test_a_list_name_never_passes_to_another_set_of_locations(tmp_path: Path) -> None:
    """While a deployment copies the new site before nginx reloads the new map, an old map's list name
    must find its reader's old list or nothing: a name stands for one set of locations in every build."""
    from rolebook.output.site.access_map import write_reader_lists

    data = {"names": {"100": "Maple", "200": "Oak", "050": "Elm"}, "site_name": "S", "contact": "C",
            "report_roles": "R"}

    def build(codes: list[str], grants: list[tuple[str, str]]) -> dict[str, str]:
        site = tmp_path / "site"
        scopes = [(f"/audit/schools/{code}.html", code) for code in codes]
        lists = write_reader_lists(site, data, scopes, grants, "http_x_forwarded_email")
        return {name: "".join(re.findall(r'<a href="/audit/schools/([0-9]+)\.html">', (
            site / f"_rolebook/reports/{name}.html").read_text())) for name in set(lists.values())}

    before = build(["100", "200"], [("r1", "100"), ("r2", "200")])
    after = build(["050", "100", "200"], [("r3", "050"), ("r1", "100"), ("r2", "200")])  # a new school first
    assert sorted(before.values()) == ["100", "200"] and len(after) == 3
    assert all(after[name] == shown for name, shown in before.items() if name in after)
    assert set(before) <= set(after)  # the sets that did not change kept their names
