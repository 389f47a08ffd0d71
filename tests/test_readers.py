"""Who reads which internal pages, from the data: holders in force of the audit-report roles, the local
district's approvers, the office's approvers, the auditors group and the access administrators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import MINI_FILES, make_mini_repo
from rolebook.facts.readers import readers
from rolebook.facts.resolve import effective_access
from rolebook.loading import load_repository
from rolebook.output.site.access_map import location_of

TODAY = dt.date(2026, 11, 23)
DOMAIN = "test.example"


def staff_with_emails(missing: frozenset[str] = frozenset(), extra: str = "") -> str:
    """The mini district's staff file, everyone with an e-mail except `missing`, and an auditor."""
    lines = []
    for line in MINI_FILES["access/staff.yaml"].splitlines():
        if "employee:" in line:
            number = line.split('employee: "', 1)[1][:8]
            if number not in missing:
                line = line.rstrip()[:-1] + f", email: P{number}@{DOMAIN.upper()}}}"
        lines.append(line)
    auditor = ('          - {employee: "90000009", last_name: Auditor, first_name: Audrey, staff_type: classified, '
               'position: Auditor, hr_status: processed, locations: [ITD], email: audit@test.example}')
    return "\n".join(lines) + "\n" + auditor + "\n" + extra


GROUPS = MINI_FILES["access/groups.yaml"].rstrip() + \
    '\n          - {id: district-auditors, name: District auditors, members: ["90000009"]}\n'


def readership(tmp_path: Path, overrides: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    root = make_mini_repo(tmp_path / "repo", {"access/staff.yaml": staff_with_emails(), "access/groups.yaml": GROUPS,
                                               **(overrides or {})})
    repo = load_repository(root)
    return readers(repo, effective_access(repo), TODAY)


def who(number: str) -> str:
    return f"p{number}@{DOMAIN}"


def test_school_readers_are_its_report_roles_its_local_district_and_the_auditors(tmp_path: Path) -> None:
    found = readership(tmp_path)
    assert found.may_read(who("10000001"), "100")  # principal
    assert found.may_read(who("10000002"), "100")  # office manager
    assert not found.may_read(who("10000003"), "100")  # teacher
    assert not found.may_read(who("10000001"), "200")
    assert not found.may_read(who("10000001"), None)  # district-wide pages
    assert found.may_read(who("90000005"), "100") and found.may_read(who("90000005"), "200")  # local district
    assert not found.may_read(who("90000005"), None)
    for everyone in ("audit@test.example", who("90000001")):  # auditors, access administrators
        assert found.may_read(everyone, None) and found.may_read(everyone, "200")
    assert found.may_read(who("90000004"), "SPEDOPS") and not found.may_read(who("90000004"), "100")
    assert found.may_read(who("10000001").upper(), "100")  # the header's case does not matter
    assert found.unreachable == []


@pytest.mark.parametrize("change", ["    status: suspended\n", "    status: locked\n"], ids=["suspended", "locked"])
def test_a_grant_not_in_force_reads_nothing(tmp_path: Path, change: str) -> None:
    reason = "            reason: Principal of Maple Elementary\n"
    grants = MINI_FILES["access/schools/100/grants.yaml"].replace(reason, reason + "        " + change)
    found = readership(tmp_path, {"access/schools/100/grants.yaml": grants})
    assert not found.may_read(who("10000001"), "100")
    assert found.may_read(who("10000002"), "100")


def test_an_expired_grant_or_a_leaver_reads_nothing(tmp_path: Path) -> None:
    grants = MINI_FILES["access/schools/100/grants.yaml"].replace("expires: 2027-07-31", "expires: 2026-11-22", 1)
    staff = staff_with_emails().replace("position: Office Manager, hr_status: processed",
                                        "position: Office Manager, hr_status: separated")
    found = readership(tmp_path, {"access/schools/100/grants.yaml": grants, "access/staff.yaml": staff})
    assert not found.may_read(who("10000001"), "100")  # expired yesterday
    assert not found.may_read(who("10000002"), "100")  # separated


def test_readers_without_an_identity_are_listed_as_unreachable(tmp_path: Path) -> None:
    staff = staff_with_emails(missing=frozenset({"10000001"})).replace(
        f"P20000003@{DOMAIN.upper()}", f"P20000001@{DOMAIN.upper()}")  # two records, one e-mail
    found = readership(tmp_path, {"access/staff.yaml": staff})
    unreachable = {u.employee: u for u in found.unreachable}
    assert set(unreachable) == {"10000001", "20000001", "20000003"}
    assert "no email" in unreachable["10000001"].why and unreachable["10000001"].reads == "location 100"
    assert "shared" in unreachable["20000001"].why
    assert not found.may_read(who("20000001"), "200")


def test_identity_can_be_the_git_username(tmp_path: Path) -> None:
    policy = (Path(__file__).parent.parent / "roles/policy.yaml").read_text(encoding="utf-8")
    assert "  identity_field: email\n" in policy  # the policy writes the default out: change it there
    found = readership(tmp_path, {"roles/policy.yaml": policy.replace("  identity_field: email\n",
                                                                      "  identity_field: git_username\n")})
    assert found.may_read("Pat-Park", "100") and not found.may_read(who("10000001"), "100")
    assert any(u.employee == "10000002" and "git_username" in u.why for u in found.unreachable)


@pytest.mark.parametrize(("path", "expected"), [
    ("audit/schools/100.html", "100"),
    ("audit/schools/security-audit-100.csv", "100"),
    ("audit/offices/SPEDOPS.html", "SPEDOPS"),
    ("audit/schools/100/as-of/2026-03-31.html", "100"),
    ("audit/as-of/2026-03-31/schools/200.html", "200"),
    ("audit/index.html", None),
    ("audit/people.json", None),
    ("audit/schools/999.html", None),
    ("audit/districts/100.html", None),
])
def test_built_files_belong_to_one_location_or_to_the_district(path: str, expected: str | None) -> None:
    assert location_of(path, frozenset({"100", "200", "SPEDOPS"})) == expected


def test_sitemap_keeps_the_guide_and_names_no_audit_page(tmp_path: Path) -> None:
    import gzip

    from rolebook.output.site.access_map import prune_sitemap

    entry = "    <url>\n         <loc>https://audit.example/{}</loc>\n         <lastmod>2026-11-23</lastmod>\n    </url>\n"
    pages = ["index.html", "roles/counselor.html", "audit/schools/200.html", "audit/people.html"]
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset>\n'
                                          + "".join(entry.format(p) for p in pages) + "</urlset>", encoding="utf-8")
    prune_sitemap(tmp_path)
    text = (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    assert "roles/counselor.html" in text and "index.html" in text and "audit/" not in text
    assert gzip.decompress((tmp_path / "sitemap.xml.gz").read_bytes()).decode("utf-8") == text
