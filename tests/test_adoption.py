"""A district adopts Rolebook: `rolebook init` from a schools CSV, `rolebook import` of its Security Audit
Reports and HR export, then validate and build, all through the real CLI in a real Git repository."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.conftest import git, run_cli

pytestmark = pytest.mark.slow  # each test makes a repository and runs the CLI on it several times

DISTRICT = "Lakeside Unified School District"
ADMINS = ["00000101:ada-lovelace:Ada Lovelace", "00000102:grace-hopper:Grace Hopper",
          "00000103:alan-turing:Alan Turing"]
SCHOOLS = """\
code,name,level,enrollment,cluster
0101,École Élémentaire Saint-Éloi,elementary,420,North
0202,Harbor High School,high,"1,850",North
0303,Mesa Middle School,middle,900,South
"""
HEADER = ("Location Code,Employee Number,School Name,User Role(s),Last Name,First Name,Last Login Date,"
          "Staff Type,Status\n")
REPORT_0101 = HEADER + """\
0101,01000001,École Élémentaire Saint-Éloi,Principal,Núñez,José,11/02/2026,Certificated,Active
0101,01000002,École Élémentaire Saint-Éloi,Office Manager,Łukasz,Zoë,11/20/2026,Classified,Active
0101,01000003,École Élémentaire Saint-Éloi,Office Manager,Ørsted,Siân,,Classified,Active
0101,01000004,École Élémentaire Saint-Éloi,Office Manager,Leaver,Lee,11/01/2026,Classified,Active
0101,01000005,École Élémentaire Saint-Éloi,Health Office Clerk,Björk,Ana,11/01/2026,Classified,Active
0101,1234567,École Élémentaire Saint-Éloi,Teacher,Short,Number,,Certificated,Active
0101,01000006,École Élémentaire Saint-Éloi,Teacher,Old,Account,01/01/2025,Certificated,Inactive
"""
HR = """\
employee_number,last_name,first_name,staff_type,position,hr_status,location_codes
01000001,Núñez,José,certificated,Principal,processed,0101
01000002,Łukasz,Zoë,classified,Office Manager,processed,0101
01000003,Ørsted,Siân,classified,Office Technician,processed,0101
01000004,Leaver,Lee,classified,Office Technician,separated,0101
01000005,Björk,Ana,classified,Health Office Clerk,processed,0101
01000006,Old,Account,certificated,Teacher,processed,0101
02000001,Okafor,Chidi,certificated,Principal,processed,0202
02000002,1,Office,classified,Office Assistant,processed,0202
"""


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)


def _init(tmp_path: Path) -> Path:
    (tmp_path / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    target = tmp_path / "district"
    args = ["init", str(target), "--schools", str(tmp_path / "schools.csv"), "--district-name", DISTRICT,
            "--identity-provider", "Microsoft Entra ID", "--github-repo", "lakeside/access"]
    for admin in ADMINS:
        args += ["--admin", admin]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return target


def _grants(root: Path, code: str) -> dict[str, list[str]]:
    data = yaml.safe_load((root / f"access/schools/{code}/grants.yaml").read_text(encoding="utf-8"))
    return {g["employee"]: g["roles"] for g in data["grants"]}


def test_init_import_validate_build(tmp_path: Path) -> None:
    root = _init(tmp_path)
    district = yaml.safe_load((root / "access/district.yaml").read_text(encoding="utf-8"))
    assert [s["code"] for s in district["schools"]] == ["0101", "0202", "0303"]
    assert [c["id"] for c in district["clusters"]] == ["north", "south"]
    assert district["schools"][1]["enrollment"] == 1850
    assert len(list((root / "roles").glob("*.yaml"))) == 60  # 58 roles, categories, policy
    form = yaml.safe_load((root / ".github/ISSUE_TEMPLATE/access-request.yml").read_text(encoding="utf-8"))
    school_field = next(item for item in form["body"] if item.get("id") == "school")
    assert school_field["attributes"]["options"][0] == "École Élémentaire Saint-Éloi"
    mkdocs = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8").split("markdown_extensions:")[0])
    assert mkdocs["site_name"] == DISTRICT
    assert mkdocs["extra"]["request_form_url"].startswith("https://github.com/lakeside/access/issues/new")
    assert run_cli("validate", "--repo", str(root)).returncode == 0
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "rolebook init")

    (tmp_path / "sar-0101.csv").write_text(REPORT_0101, encoding="utf-8")
    _write_xlsx(tmp_path / "sar-0202.xlsx", [
        HEADER.strip().split(","),
        ["0202", "02000001", "Harbor High School", "Principal", "Okafor", "Chidi", "11/20/2026", "Certificated",
         "Active"],
        ["0202", "02000002", "Harbor High School", "Office Manager", "1", "Office", "", "Classified", "Active"],
    ])
    (tmp_path / "hr.csv").write_text(HR, encoding="utf-8")
    reports = ["--report", str(tmp_path / "sar-0101.csv"), "--report", str(tmp_path / "sar-0202.xlsx")]
    unmapped = run_cli("import", *reports, "--hr-export", str(tmp_path / "hr.csv"), "--no-branch", "--repo", str(root))
    assert unmapped.returncode == 2
    assert "'Health Office Clerk'; did you mean health-office" in unmapped.stderr
    assert git(root, "status", "--porcelain") == ""  # nothing half-written

    (tmp_path / "sis-roles.yaml").write_text('"Health Office Clerk": health-office\n', encoding="utf-8")
    imported = run_cli("import", *reports, "--hr-export", str(tmp_path / "hr.csv"), "--role-map",
                       str(tmp_path / "sis-roles.yaml"), "--no-branch", "--repo", str(root))
    assert imported.returncode == 0, imported.stderr
    assert "sar-0101.csv:7: employee number '1234567' is not 8 digits" in imported.stderr
    assert "1 Inactive row(s)" in imported.stdout
    grants = _grants(root, "0101")
    assert grants == {"01000001": ["principal"], "01000002": ["office-manager"], "01000003": ["office-manager"],
                      "01000004": ["office-manager"], "01000005": ["health-office"]}
    assert _grants(root, "0202") == {"02000001": ["principal"], "02000002": ["office-manager"]}
    staff = (root / "access/staff.yaml").read_text(encoding="utf-8")
    assert 'employee: "01000001"' in staff and "Núñez" in staff and "Zoë" in staff

    # The district's own issue form, as GitHub renders a submitted one, makes a request by school name.
    (tmp_path / "issue.md").write_text(
        "### Employee number\n\n01000003\n\n### School or office code\n\nÉcole Élémentaire Saint-Éloi\n\n"
        "### Role(s)\n\nHealth Office\n\n### Reason\n\nCovers the health office\n\n### Confirmation\n\n"
        "- [X] The person's need for this access is verified.\n", encoding="utf-8")
    requested = run_cli("request", "--from-issue-form", str(tmp_path / "issue.md"), "--dry-run", "--repo", str(root))
    assert requested.returncode == 0, requested.stderr
    assert "+    roles: [office-manager, health-office]" in requested.stdout

    validated = run_cli("validate", "--repo", str(root), "--format", "json")
    assert validated.returncode == 1, validated.stderr
    codes = {(f["code"], f.get("employee")) for f in _findings(validated.stdout)}
    assert ("RB103", "01000004") in codes  # a leaver who still has access
    assert ("RB303", "01000004") in codes  # Office Manager over the ratio at 420 students
    assert ("RB105", "02000002") in codes  # "Office 1", a generic account
    assert "RB601" not in {code for code, _ in codes}  # CODEOWNERS regenerated with the principals

    built = run_cli("build", "--public", "--repo", str(root), env={"NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    html = (root / "build/public/site/index.html").read_text(encoding="utf-8")
    assert DISTRICT in html


def test_reimport_is_a_branch_with_the_difference(tmp_path: Path) -> None:
    root = _init(tmp_path)
    (tmp_path / "sar.csv").write_text(HEADER + "0303,03000001,Mesa,Principal,Vo,Lan,,Certificated,Active\n"
                                      "0303,03000002,Mesa,Teacher,Ek,Ola,,Certificated,Active\n", encoding="utf-8")
    assert run_cli("import", "--report", str(tmp_path / "sar.csv"), "--no-branch", "--repo", str(root)).returncode == 0
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first import")
    (tmp_path / "sar.csv").write_text(HEADER + "0303,03000001,Mesa,Principal;Teacher,Vo,Lan,,Certificated,Active\n",
                                      encoding="utf-8")
    again = run_cli("import", "--report", str(tmp_path / "sar.csv"), "--repo", str(root))
    assert again.returncode == 0, again.stderr
    branch = "import/sis-2026-11-23"
    assert branch in again.stdout
    assert git(root, "status", "--porcelain") == ""  # the working tree is untouched
    diff = git(root, "diff", "main", branch, "--", "access/schools/0303/grants.yaml")
    assert "+    roles: [principal, teacher]" in diff
    assert '-  - employee: "03000002"' in diff


def test_init_refuses_bad_rows_and_non_empty_targets(tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text("code,name,level,enrollment,cluster\n0101,A,college,10,N\n"
                                          "0202,B,high,many,N\n", encoding="utf-8")
    target = tmp_path / "district"
    args = ["init", str(target), "--schools", str(tmp_path / "schools.csv"), "--district-name", DISTRICT,
            "--identity-provider", "Okta", *[a for admin in ADMINS for a in ("--admin", admin)]]
    bad = run_cli(*args)
    assert bad.returncode == 2
    assert "schools.csv:2: row 1: level: unknown school level 'college'" in bad.stderr
    assert "schools.csv:3: row 2: enrollment: 'many' is not a number" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["schools.csv"]
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    (tmp_path / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    refused = run_cli(*args)
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    missing = run_cli("init", str(tmp_path / "other"), "--schools", str(tmp_path / "schools.csv"), input_text="")
    assert missing.returncode == 2 and "missing --district-name" in missing.stderr


def test_an_empty_catalog_validates_and_builds(tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    root = tmp_path / "district"
    result = run_cli("init", str(root), "--catalog", "none", "--schools", str(tmp_path / "schools.csv"),
                     "--district-name", DISTRICT, "--identity-provider", "Okta",
                     *[a for admin in ADMINS for a in ("--admin", admin)])
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "roles").glob("*.yaml")) == ["categories.yaml", "policy.yaml"]
    assert run_cli("validate", "--repo", str(root)).returncode == 0
    assert run_cli("build", "--public", "--repo", str(root), env={"NO_MKDOCS_2_WARNING": "1"}).returncode == 0


def _findings(text: str) -> list[dict[str, str]]:
    import json

    data = json.loads(text)
    return list(data["findings"] if isinstance(data, dict) else data)


def test_import_refuses_a_report_without_the_districts_columns(tmp_path: Path) -> None:
    root = _init(tmp_path)
    (tmp_path / "report.csv").write_text("Location Code,Employee Number,Last Name\n0101,01000001,Núñez\n",
                                         encoding="utf-8")
    before = (root / "access/schools/0101/grants.yaml").read_text(encoding="utf-8")
    result = run_cli("import", "--report", str(tmp_path / "report.csv"), "--no-branch", "--repo", str(root))
    assert result.returncode == 2
    assert "report.csv:1: the report has no column 'User Role(s)'" in result.stderr
    assert "Traceback" not in result.stderr
    assert (root / "access/schools/0101/grants.yaml").read_text(encoding="utf-8") == before
