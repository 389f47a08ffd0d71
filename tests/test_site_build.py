"""The published site: real builds (the CLI, `mkdocs build --strict`) of small repositories with Git history."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import textwrap
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import MINI_FILES, REPO_ROOT, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.facts.history import parse_trailers, read_history
from rolebook.loading import load_catalog
from rolebook.output.site.audit import ACCESS_COLUMNS, expand_access
from rolebook.output.site.exports import csv_text, neutralise, xlsx_bytes
from rolebook.output.site.markup import md, rule_doc_blocks
from rolebook.policy.rules import all_rules

HOSTILE_EMPLOYEE = "47110815"
HOSTILE_LAST = "<script>alert(1)</script>"
HOSTILE_FIRST = '=HYPERLINK("http://evil.example/x","open")'
QUIET_EMPLOYEE = "47110816"
BRANCH = f"clerk/request-{HOSTILE_EMPLOYEE}"

EXTRA_STAFF = f"""
  - {{employee: "{HOSTILE_EMPLOYEE}", last_name: '{HOSTILE_LAST}', first_name: '{HOSTILE_FIRST}', staff_type: certificated, position: Teacher, hr_status: processed, locations: ["100"]}}
  - {{employee: "{QUIET_EMPLOYEE}", last_name: Quartermaine, first_name: Zebediah, staff_type: certificated, position: Counselor, hr_status: processed, locations: ["200"]}}
"""
QUIET_GRANT = f"""
  - employee: "{QUIET_EMPLOYEE}"
    roles: [counselor]
    granted: 2026-08-01
    expires: 2027-07-31
"""
HOSTILE_GRANT = f"""
  - employee: "{HOSTILE_EMPLOYEE}"
    roles: [teacher]
    granted: 2026-11-01
    expires: 2027-07-31
"""


def _file(name: str) -> str:
    return textwrap.dedent(MINI_FILES[name]).lstrip("\n").rstrip() + "\n"


def make_site_repo(root: Path) -> Path:
    """The mini repo with the site's settings, two extra people (one hostile), and a PR merged with --no-ff."""
    make_mini_repo(root, {
        "access/staff.yaml": _file("access/staff.yaml") + EXTRA_STAFF.lstrip("\n"),
        "access/schools/200/grants.yaml": _file("access/schools/200/grants.yaml") + QUIET_GRANT.lstrip("\n"),
    })
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "site", root / "site")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    git_init(root)
    git(root, "checkout", "-q", "-b", BRANCH)
    grants = root / "access/schools/100/grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8") + HOSTILE_GRANT.lstrip("\n"), encoding="utf-8")
    git(root, "commit", "-q", "-am", f"Request Teacher for {HOSTILE_EMPLOYEE} at 100")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-ff", "-q", "-m", f"Merge pull request #42 from {BRANCH}",
        "-m", "Approved-by: pat-park", BRANCH)
    return root


def built_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file()]


def staff_data(staff_yaml: Path) -> tuple[set[str], list[tuple[str, list[str]]]]:
    """Employee numbers, and (last name, full-name spellings) of the directory, except those the rules'
    own examples use (documentation fixtures printed on the public rule pages, not anyone's data)."""
    documented = "\n".join(rule.doc() for rule in all_rules())
    numbers: set[str] = set()
    names: list[tuple[str, list[str]]] = []
    for person in yaml.safe_load(staff_yaml.read_text(encoding="utf-8"))["staff"]:
        first, last = person["first_name"], person["last_name"]
        if person["employee"] not in documented:
            numbers.add(person["employee"])
        spellings = [s for s in (f"{first} {last}", f"{last}, {first}", html.escape(f"{first} {last}"))
                     if s not in documented]
        if spellings:
            names.append((last, spellings))
    return numbers, names


def assert_no_personal_data(site: Path, staff_yaml: Path) -> None:
    """Grep every built file (pages, search index, assets) for the directory's numbers and names."""
    numbers, names = staff_data(staff_yaml)
    assert numbers and names
    for path in built_files(site):
        text = path.read_bytes().decode("utf-8", errors="replace")
        words = set(re.findall(r"[^\s,;\"'<>]+", text))
        found = sorted(numbers & set(re.findall(r"\d{8}", text)))
        found += [s for last, spellings in names if last.split()[-1] in words or html.escape(
            last.split()[-1]) in words for s in spellings if s in text]
        assert not found, f"{path.relative_to(site)} contains personal data: {found[:5]}"


@pytest.fixture(scope="module")
def site_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site_repo(tmp_path_factory.mktemp("site") / "repo")
    for kind in ("public", "internal"):
        result = run_cli("build", f"--{kind}", "--repo", str(root))
        assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_both_builds_pass_mkdocs_strict(site_repo: Path) -> None:
    for kind in ("public", "internal"):
        site = site_repo / "build" / kind / "site"
        assert (site / "index.html").is_file()
        assert (site / "roles" / "counselor.html").is_file()
        assert (site / "search" / "search_index.json").is_file()
        config = (site_repo / "build" / kind / "mkdocs.yml").read_text(encoding="utf-8")
        assert "INHERIT: ../../mkdocs.yml" in config
    assert (site_repo / "build/internal/site/audit/schools/100.html").is_file()
    assert not (site_repo / "build/public/site/audit").exists()


def test_public_build_has_no_personal_data(site_repo: Path) -> None:
    assert_no_personal_data(site_repo / "build" / "public" / "site", site_repo / "access" / "staff.yaml")
    # The internal site does carry them: the check itself can see personal data when it is there.
    internal = (site_repo / "build/internal/site/audit/schools/200.html").read_text(encoding="utf-8")
    assert QUIET_EMPLOYEE in internal and "Quartermaine" in internal


def test_public_build_never_reads_staff_or_grants(site_repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(site_repo, root, ignore=shutil.ignore_patterns("build", ".git"))
    write_files(root, {"access/staff.yaml": "staff: [ {{{ not yaml", "access/schools/100/grants.yaml": "- :"})
    public = run_cli("build", "--public", "--repo", str(root))
    assert public.returncode == 0, public.stderr
    internal = run_cli("build", "--internal", "--repo", str(root))
    assert internal.returncode == 2
    assert "access/staff.yaml" in internal.stderr and "Traceback" not in internal.stderr


def test_role_guide_pages(site_repo: Path) -> None:
    site = site_repo / "build" / "public" / "site"
    overview = (site / "roles" / "index.html").read_text(encoding="utf-8")
    assert overview.index("All Schools") < overview.index("Secondary Schools Only")
    assert 'href="counselor.html"' in overview and "rb-level--moderate" in overview
    counselor = (site / "roles" / "counselor.html").read_text(encoding="utf-8")
    assert "1 per 500 students" in counselor and "Moderate" in counselor
    assert "The principal of the school" in counselor
    assert 'href="../guides/how-to-request.html"' in counselor
    principal = (site / "roles" / "principal.html").read_text(encoding="utf-8")
    assert "local district" in principal.lower()
    sped = next(r for r in load_catalog(site_repo).roles.values() if "sped-operations" in r.extra_approval)
    assert "Also SPED Operations" in (site / "roles" / f"{sped.id}.html").read_text(encoding="utf-8")
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Counselor" in index and "Master Scheduling" in index


def test_request_form_url_comes_from_mkdocs_yml(site_repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(site_repo, root, ignore=shutil.ignore_patterns("build", ".git"))
    config = root / "mkdocs.yml"
    form = "https://git.example.org/district/access/issues/new?template=access-request.yml"
    config.write_text(config.read_text(encoding="utf-8").replace('request_form_url: ""',
                                                                 f'request_form_url: "{form}"'))
    assert run_cli("build", "--public", "--repo", str(root)).returncode == 0
    counselor = (root / "build/public/site/roles/counselor.html").read_text(encoding="utf-8")
    assert form.replace("&", "&amp;") in counselor or form in counselor


def test_every_registered_rule_has_a_page(site_repo: Path) -> None:
    rules = all_rules()
    site = site_repo / "build" / "public" / "site"
    for rule in rules:
        assert (site / "rules" / f"{rule.code}.html").is_file()
    with_example = next((r for r in rules if ".. rule-example::" in r.doc()), None)
    if with_example is not None:
        page = (site / "rules" / f"{with_example.code}.html").read_text(encoding="utf-8")
        assert "rb-example--" in page and "<code>" in page and "rule-example::" not in page


def test_audit_page_escapes_data_and_shows_history(site_repo: Path) -> None:
    page = (site_repo / "build/internal/site/audit/schools/100.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    row = next(r for r in page.split("<tr") if HOSTILE_EMPLOYEE in r)
    assert "PR #42: no approval recorded" in row and "direct" in row and "Active" in row  # trailers are claims
    # Grants from the first commit name that commit, with no approval on record.
    principal_row = next(r for r in page.split("<tr") if "10000001" in r)
    assert "commit " in principal_row and "pat-park" not in principal_row
    assert "Maple Elementary" in page and "600" in page and "Local District Test" in page
    assert "no review on record" in page
    head = git(site_repo, "rev-parse", "HEAD")
    assert head[:12] in page
    cluster_row = next(r for r in page.split("<tr") if "90000005" in r)
    assert "via cluster Local District Test" in cluster_row


def test_downloads_are_neutralised(site_repo: Path) -> None:
    folder = site_repo / "build/internal/site/audit/schools"
    rows = list(csv.reader(io.StringIO((folder / "security-audit-100.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][:9] == ["Location Code", "Employee Number", "School Name", "User Role(s)", "Last Name",
                           "First Name", "Last Login Date", "Staff Type", "Status"]
    hostile = next(r for r in rows if r[1] == HOSTILE_EMPLOYEE)
    assert hostile[5] == "'" + HOSTILE_FIRST and hostile[4] == HOSTILE_LAST
    sheet = openpyxl.load_workbook(folder / "security-audit-100.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    cell = next(r for r in values if r[1] == HOSTILE_EMPLOYEE)
    assert cell[5] == "'" + HOSTILE_FIRST
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_dashboard_and_people_index(site_repo: Path) -> None:
    site = site_repo / "build/internal/site/audit"
    board = (site / "index.html").read_text(encoding="utf-8")
    assert "PR #42" in board and "not recorded" in board and "Reviews overdue" in board
    people = (site / "people.json").read_text(encoding="utf-8")
    assert HOSTILE_EMPLOYEE in people and "Maple Elementary" in people
    # Each location, role, route, file and approval named once; an access names them by number.
    index = json.loads(people)
    assert index["version"] == 2 and index["access_columns"] == list(ACCESS_COLUMNS)
    for table in ("roles", "hows", "files"):
        assert len(set(index[table])) == len(index[table]), table
    assert len({place[0] for place in index["locations"]}) == len(index["locations"])
    names = {place[0]: place[1] for place in index["locations"]}
    hostile = next(person for person in index["people"] if person[0] == HOSTILE_EMPLOYEE)
    expanded = [expand_access(index, access) for access in hostile[6]]
    assert expanded and all(a["location_name"] == names[a["location"]] for a in expanded)
    assert {a["location_name"] for a in expanded} == {"Maple Elementary"}
    assert all(a["file"].startswith("access/") and a["page"].endswith(".html") for a in expanded)
    assert (site / "districts" / "ld-test.html").is_file()


def test_history_is_read_once_and_cached(site_repo: Path) -> None:
    head = git(site_repo, "rev-parse", "HEAD")
    cache = site_repo / "build" / ".cache" / f"history-{head}.json"
    assert cache.is_file()
    history = read_history(site_repo, cache.parent)
    commit = history.introduced("access/schools/100/grants.yaml", HOSTILE_EMPLOYEE)
    assert commit is not None and commit.pr == 42 and commit.approvers == ["not recorded"]  # not a trailer's
    assert len(commit.parents) == 2


def test_neutralise_and_exports() -> None:
    for value in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(value) == "'" + value
    assert neutralise("Smith") == "Smith" and neutralise(None) == ""
    assert csv_text(["a"], [["=x"]]).splitlines()[1] == "'=x"
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("T", ["a"], [["=1+1"]])))
    assert any(c.value == "'=1+1" for row in book.active.iter_rows() for c in row)


def test_markdown_escaping() -> None:
    assert str(md("[x](javascript:alert(1))")) == r"\[x\]\(javascript:alert\(1\)\)"
    assert str(md("<b>&")) == "&lt;b&gt;&amp;"


def test_trailers_and_rule_doc_blocks() -> None:
    assert parse_trailers(["", "Body text", "", "Approved-by: pat-park", "Reviewed-by: ngozi-o"]) == {
        "approved-by": ["pat-park"], "reviewed-by": ["ngozi-o"]}
    blocks = rule_doc_blocks("Why.\n\n.. rule-example:: fail\n   a.yaml: 'x: 1'\n\nFix it.\n")
    assert [b.kind for b in blocks] == ["text", "example", "text"]
    assert blocks[1].outcome == "fail" and blocks[1].text == "a.yaml: 'x: 1'"


def _demo_ready() -> bool:
    return (REPO_ROOT / "access" / "district.yaml").is_file() and (REPO_ROOT / "access" / "staff.yaml").is_file()


@pytest.fixture(scope="module")
def demo_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _demo_ready():
        pytest.skip("the demo district (access/ at the repository root) is not generated yet")
    from rolebook.output.site import generate_site, run_mkdocs
    out = tmp_path_factory.mktemp("demo-public")
    return run_mkdocs(generate_site(REPO_ROOT, "public", out))


def test_demo_public_build_has_no_personal_data(demo_public: Path) -> None:
    assert_no_personal_data(demo_public, REPO_ROOT / "access" / "staff.yaml")
    assert re.search(r"rb-level--high", (demo_public / "roles" / "index.html").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_demo_internal_build(tmp_path: Path) -> None:
    if not _demo_ready():
        pytest.skip("the demo district (access/ at the repository root) is not generated yet")
    from rolebook.output.site import generate_site, run_mkdocs
    site = run_mkdocs(generate_site(REPO_ROOT, "internal", tmp_path))
    assert any((site / "audit" / "schools").glob("*.html"))
