"""`rolebook access`, `who-has`, `roles ROLE` and `schema` through the real CLI."""

from __future__ import annotations

import json

from conftest import REPO_ROOT, make_mini_repo, run_cli


def test_access_shows_district_person_reaching_every_school_of_the_cluster_via_cluster(mini_repo):
    result = run_cli("access", "90000005", "--repo", str(mini_repo))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "District Administrator" in line]
    assert len(lines) == 2
    assert any(line.strip().startswith("100") and "via cluster ld-test" in line for line in lines)
    assert any(line.strip().startswith("200") and "via cluster ld-test" in line for line in lines)
    assert "access/offices/ITD/grants.yaml:3" in lines[0]


def test_access_json_names_how_each_access_comes(mini_repo):
    result = run_cli("access", "10000002", "--format", "json", "--repo", str(mini_repo))
    data = json.loads(result.stdout)
    assert data["name"] == "Rosa Rivera"
    assert {(a["location"], a["role"], a["via"]) for a in data["access"]} == {
        ("100", "office-manager", "direct"), ("100", "health-office", "direct")}


def test_all_schools_scope_reaches_every_school(tmp_path):
    root = make_mini_repo(tmp_path / "repo", {"access/offices/ITD/grants.yaml": """
        location: ITD
        grants:
          - employee: "90000005"
            roles: [district-limited-read]
            scope: {all_schools: true}
            granted: 2026-08-01
            expires: 2027-07-31
        """})
    data = json.loads(run_cli("access", "90000005", "--format", "json", "--repo", str(root)).stdout)
    assert {(a["location"], a["via"]) for a in data["access"]} == {("100", "all schools"), ("200", "all schools")}


def test_access_refuses_a_malformed_employee_number(mini_repo):
    result = run_cli("access", "1234", "--repo", str(mini_repo))
    assert result.returncode == 2
    assert "8-digit" in result.stderr


def test_who_has_lists_holders_with_location_and_route(mini_repo):
    result = run_cli("who-has", "District Administrator", "--school", "200", "--format", "json",
                     "--repo", str(mini_repo))
    rows = json.loads(result.stdout)
    assert [(r["employee"], r["location"], r["via"]) for r in rows] == [("90000005", "200", "via cluster ld-test")]
    unknown = run_cli("who-has", "wizard", "--repo", str(mini_repo))
    assert unknown.returncode == 2 and "no role 'wizard'" in unknown.stderr


def test_roles_show_one_role_by_name(mini_repo):
    result = run_cli("roles", "Counselor Plus", "--format", "json", "--repo", str(mini_repo))
    record = json.loads(result.stdout)
    assert record["id"] == "counselor-plus"
    assert record["quota"]["per_students"] == 500 and record["quota"]["minimum"] == 3
    assert "Transcripts" in record["modules"]


def test_uk_catalog_is_listed_and_queried_through_the_same_cli():
    lrs = REPO_ROOT / "tests" / "fixtures" / "lrs"
    roles = json.loads(run_cli("roles", "--format", "json", "--repo", str(lrs)).stdout)
    assert len(roles) == 8
    awarding = next(r for r in roles if r["id"] == "awardingbodyuser")
    assert awarding["eligibility"]["organisation_types"] == ["awarding-body"]
    holders = json.loads(run_cli("who-has", "lrbsuperuser", "--format", "json", "--repo", str(lrs)).stdout)
    assert len(holders) == 3


def test_schema_is_generated_from_the_models_and_checked_in(tmp_path):
    check = run_cli("schema", "--check", "--repo", str(REPO_ROOT))
    assert check.returncode == 0, check.stderr
    out = tmp_path / "schema"
    assert run_cli("schema", "--out", str(out)).returncode == 0
    grants = json.loads((out / "grants.schema.json").read_text())
    employee = grants["$defs"]["Grant"]["properties"]["employee"]
    assert employee["pattern"] == r"^\d{8}$"
    assert grants["$defs"]["Grant"]["additionalProperties"] is False


def test_every_yaml_file_in_the_repository_points_at_its_schema():
    files = [p for p in (REPO_ROOT / "roles").glob("*.yaml")] + list((REPO_ROOT / "access").rglob("*.yaml"))
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = first.split("$schema=", 1)[1].strip()
        assert (path.parent / target).resolve().exists(), f"{path}: {target} does not exist"
