"""The role catalog against the district's Guide to MiSiS User Roles, and the LRS fixture.

GUIDE below is transcribed by hand, row by row, from the guide (shared seed 001), independently of
the YAML under roles/. It is checked twice: against what `rolebook roles --format json` prints, and
directly against roles/*.yaml through the models, so a mistake in either the YAML or the CLI shows up.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rolebook.model import files as models

REPO_ROOT = Path(__file__).resolve().parents[1]
LRS = REPO_ROOT / "tests" / "fixtures" / "lrs"

ALL = "All Schools"
SEC = "Secondary Schools Only"
ODA = "ODA Testing Staff"
SPED = "Special Education"
SHHS = "Student Health & Human Services"
OTHER = "Other District Offices"

OA = "one-access"
CO = "central-office-form"  # "Local District/Central Office Form" and "... Staff Form"
N = None
SPED_OPS = ["sped-operations"]
IS_DATE = "2022-07-19"  # "One Access Available 7/19/2022"

# name, category, security level, how to request,
# per_students, minimum, minimum_elementary, minimum_secondary, maximum, extra_approval, available_from
GUIDE: list[tuple[str, str, str, str, int | None, int | None, int | None, int | None, int | None,
                  list[str], str | None]] = [
    # User Roles for All Schools
    ("Categorical Programs Coordinator", ALL, "moderate", OA, N, N, N, N, N, [], N),
    # "1 per 500 students; 4 minimum for secondary schools; 2 minimum for elementary schools"
    ("Counselor", ALL, "moderate", OA, 500, N, 2, 4, N, [], N),
    ("CTE Instructor", ALL, "high", OA, N, N, N, N, N, [], N),
    # "Up to 5 per school"
    ("Discipline Designee (S)", ALL, "high", OA, N, N, N, N, 5, [], N),
    # "As needed; 2 minimum"
    ("Health Office", ALL, "moderate", OA, N, 2, N, N, N, [], N),
    ("IS Administrator", ALL, "high", OA, N, N, N, N, N, [], IS_DATE),
    ("IS Supervising Designee", ALL, "moderate", OA, N, N, N, N, N, [], IS_DATE),
    # "1 per 700 students; 2 minimum"
    ("Office Manager", ALL, "high", OA, 700, 2, N, N, N, [], N),
    ("Option School User", ALL, "high", CO, N, N, N, N, N, [], N),
    ("PE Teacher", ALL, "moderate", OA, N, N, N, N, N, [], N),
    # "All administrators assigned to a school"
    ("Principal", ALL, "high", OA, N, N, N, N, N, [], N),
    # "1 per 1,000 students; 2 minimum; 4 maximum"
    ("Scheduling Administrator", ALL, "moderate", OA, 1000, 2, N, N, 4, [], N),
    # "All certificated, non-register carrying staff (outside of classroom)"
    ("School Full Read", ALL, "moderate", OA, N, N, N, N, N, [], N),
    ("School GATE Coordinator", ALL, "moderate", OA, N, N, N, N, N, [], N),
    ("School Limited Read", ALL, "low", OA, N, N, N, N, N, [], N),
    # "All certificated classroom teachers"
    ("Teacher", ALL, "moderate", OA, N, N, N, N, N, [], N),
    # User Roles for Secondary Schools Only
    # "1 per 500 students; 3 minimum"
    ("Counselor Plus", SEC, "high", OA, 500, 3, N, N, N, [], N),
    ("CTE Scheduling Administrator", SEC, "high", CO, N, N, N, N, N, [], N),
    ("CTE Teacher", SEC, "moderate", CO, N, N, N, N, N, [], N),
    # "1 per 1,000 students; 2 minimum, 5 maximum"
    ("School Office Mark Reporting", SEC, "high", OA, 1000, 2, N, N, 5, [], N),
    ("Secondary Athletic Director", SEC, "moderate", OA, N, N, N, N, N, [], N),
    ("Secondary Auxiliary Director", SEC, "moderate", OA, N, N, N, N, N, [], N),
    # User Roles for Local District and Central Office Staff
    # "1 or 2"
    ("ODA Testing Score Administrator", ODA, "high", CO, N, 1, N, N, 2, [], N),
    ("ODA Testing Score User", ODA, "high", CO, N, N, N, N, N, [], N),
    ("District Special Education Provider", SPED, "moderate", CO, N, N, N, N, N, [], N),
    ("Special Education Provider", SPED, "moderate", OA, N, N, N, N, N, [], N),
    ("SPED CDS Director", SPED, "high", CO, N, N, N, N, N, SPED_OPS, N),
    ("SPED CDS School Admin", SPED, "high", CO, N, N, N, N, N, [], N),
    ("SPED District Admin", SPED, "high", OA, N, N, N, N, N, SPED_OPS, N),
    ("SPED Placement Admin", SPED, "high", CO, N, N, N, N, N, SPED_OPS, N),
    ("SPED Placement Program Specialist", SPED, "high", CO, N, N, N, N, N, SPED_OPS, N),
    ("SPED Viewers", SPED, "high", CO, N, N, N, N, N, SPED_OPS, N),
    ("Pupil Services – Admin", SHHS, "moderate", CO, N, N, N, N, N, [], N),
    # "As needed; 2 minimum"
    ("Pupil Services – Homeless", SHHS, "low", CO, N, 2, N, N, N, [], N),
    # "10 maximum"
    ("Pupil Services – SARB", SHHS, "low", CO, N, N, N, N, 10, [], N),
    ("Pupil Services – School Based", SHHS, "moderate", CO, N, N, N, N, N, [], N),
    ("Student Discipline and Expulsion Support Unit", SHHS, "high", CO, N, N, N, N, N, [], N),
    ("Student Support Administrator", SHHS, "high", CO, N, N, N, N, N, [], N),
    ("Student Support – School Based", SHHS, "moderate", CO, N, N, N, N, N, [], N),
    ("Athletic Director", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    ("Behavior Emergency Admin", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    # "Limited"
    ("CTE District Admin", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("District Administrator", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    ("District American Indian Program", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    ("District Limited Read", OTHER, "low", CO, N, N, N, N, N, [], N),
    ("District Migrant Education", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    # "Limited"
    ("District SSPT", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("Enrichment Admin", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("GATE Office Administrator", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("HR Credentialing", OTHER, "low", CO, N, N, N, N, N, [], N),
    ("Multilingual Multicultural Education Department", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    ("NPS District Admin", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("Nursing Office Admin", OTHER, "moderate", CO, N, N, N, N, N, [], N),
    ("Operations Administrators", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("Option School District Admin", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("School Police", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("Transportation Administrator", OTHER, "high", CO, N, N, N, N, N, [], N),
    ("Transportation Requestor", OTHER, "high", CO, N, N, N, N, N, [], N),
]

GUIDE_BY_NAME = {row[0]: row for row in GUIDE}
CATEGORY_ORDER = [ALL, SEC, ODA, SPED, SHHS, OTHER]


def _expected(row: tuple[Any, ...]) -> dict[str, Any]:
    name, category, level, via, per, mn, me, ms, mx, extra, available = row
    return {
        "name": name,
        "category": category,
        "security_level": level,
        "request_via": via,
        "quota": {
            "per_students": per,
            "minimum": mn,
            "minimum_elementary": me,
            "minimum_secondary": ms,
            "maximum": mx,
        },
        "extra_approval": extra,
        "available_from": available,
    }


def _actual(entry: dict[str, Any]) -> dict[str, Any]:
    quota = entry["quota"]
    return {
        "name": entry["name"],
        "category": entry["category"],
        "security_level": entry["security_level"],
        "request_via": entry["request_via"],
        "quota": {k: quota[k] for k in
                  ("per_students", "minimum", "minimum_elementary", "minimum_secondary", "maximum")},
        "extra_approval": sorted(entry.get("extra_approval") or []),
        "available_from": entry.get("available_from"),
    }


def test_guide_table_itself() -> None:
    assert len(GUIDE) == 58
    assert len(GUIDE_BY_NAME) == 58, "duplicate names in the transcription"
    assert [c for c in dict.fromkeys(row[1] for row in GUIDE)] == CATEGORY_ORDER


# --------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def cli_roles() -> list[dict[str, Any]]:
    if importlib.util.find_spec("rolebook.__main__") is None:
        pytest.skip("`python -m rolebook` is not available yet (rolebook/__main__.py missing)")
    proc = subprocess.run(
        [sys.executable, "-m", "rolebook", "roles", "--format", "json", "--repo", str(REPO_ROOT)],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, f"rolebook roles failed ({proc.returncode}):\n{proc.stderr}"
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def test_cli_lists_every_role_once(cli_roles: list[dict[str, Any]]) -> None:
    assert len(cli_roles) == 58
    names = [r["name"] for r in cli_roles]
    ids = [r["id"] for r in cli_roles]
    assert len(set(names)) == 58, "role names are not unique"
    assert len(set(ids)) == 58, "role ids are not unique"
    assert set(names) == set(GUIDE_BY_NAME)


def test_cli_output_shape(cli_roles: list[dict[str, Any]]) -> None:
    for entry in cli_roles:
        assert isinstance(entry["modules"], list) and entry["modules"], entry["name"]
        assert entry["request_via"] in (OA, CO)
        assert isinstance(entry["quota"]["text"], str) and entry["quota"]["text"]
        assert isinstance(entry["extra_approval"], list)
        if entry["available_from"] is not None:
            dt.date.fromisoformat(entry["available_from"])


@pytest.mark.parametrize("row", GUIDE, ids=[row[0] for row in GUIDE])
def test_cli_role_matches_guide(cli_roles: list[dict[str, Any]], row: tuple[Any, ...]) -> None:
    by_name = {r["name"]: r for r in cli_roles}
    assert row[0] in by_name, f"{row[0]!r} missing from `rolebook roles`"
    assert _actual(by_name[row[0]]) == _expected(row)


# --------------------------------------------------------------------------- the YAML, via the models


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _load_roles(root: Path) -> list[models.Role]:
    return [
        models.Role.model_validate(_load(p))
        for p in sorted((root / "roles").glob("*.yaml"))
        if p.name not in ("categories.yaml", "policy.yaml")
    ]


@pytest.fixture(scope="module")
def yaml_roles() -> list[dict[str, Any]]:
    categories = models.CategoriesFile.model_validate(_load(REPO_ROOT / "roles" / "categories.yaml"))
    names = {c.id: c.name for c in categories.categories}
    out = []
    for role in _load_roles(REPO_ROOT):
        entry = role.model_dump(mode="json")
        entry["category"] = names[role.category]
        out.append(entry)
    return out


def test_yaml_categories_in_guide_order() -> None:
    categories = models.CategoriesFile.model_validate(_load(REPO_ROOT / "roles" / "categories.yaml"))
    assert [c.name for c in categories.categories] == CATEGORY_ORDER
    assert [c.group for c in categories.categories] == ["schools"] * 2 + ["district-offices"] * 4


def test_yaml_has_every_role_once(yaml_roles: list[dict[str, Any]]) -> None:
    assert len(yaml_roles) == 58
    assert {r["name"] for r in yaml_roles} == set(GUIDE_BY_NAME)
    for path in (REPO_ROOT / "roles").glob("*.yaml"):
        if path.name not in ("categories.yaml", "policy.yaml"):
            assert _load(path)["id"] == path.stem, f"{path.name}: id does not match the file name"


@pytest.mark.parametrize("row", GUIDE, ids=[row[0] for row in GUIDE])
def test_yaml_role_matches_guide(yaml_roles: list[dict[str, Any]], row: tuple[Any, ...]) -> None:
    by_name = {r["name"]: r for r in yaml_roles}
    assert _actual(by_name[row[0]]) == _expected(row)


# --------------------------------------------------------------------------- the LRS fixture (seed 002)


def test_lrs_fixture_loads_through_the_models() -> None:
    roles = _load_roles(LRS)
    assert sorted(r.name for r in roles) == sorted([
        "LRBSuperUser", "LRBOnlineUser", "LRBBatchUser", "LRBViewOnlyUser",
        "AwardingBodyuser", "LearnerPlanuser", "LearnerPlanViewOnly", "LearnerRecord",
    ])
    by_id = {r.id: r for r in roles}
    assert len(by_id) == 8
    assert all(r.combinable for r in roles)

    categories = models.CategoriesFile.model_validate(_load(LRS / "roles" / "categories.yaml"))
    assert {r.category for r in roles} <= {c.id for c in categories.categories}
    policy = models.Policy.model_validate(_load(LRS / "roles" / "policy.yaml"))
    assert policy.approver_roles == ["lrbsuperuser"]

    assert by_id["awardingbodyuser"].eligibility.organisation_types == ["awarding-body"]
    assert by_id["learnerrecord"].eligibility.organisation_types == ["plr-participant"]
    assert by_id["lrbsuperuser"].security_level is models.SecurityLevel.high
    assert by_id["lrbviewonlyuser"].security_level is models.SecurityLevel.low

    district = models.DistrictFile.model_validate(_load(LRS / "access" / "district.yaml"))
    groups = models.GroupsFile.model_validate(_load(LRS / "access" / "groups.yaml"))
    staff = models.StaffFile.model_validate(_load(LRS / "access" / "staff.yaml"))
    assert "awarding-body" not in district.organisation.types
    assert policy.access_administrators in {g.id for g in groups.groups}

    grant_files = sorted((LRS / "access" / "offices").glob("*/grants.yaml"))
    assert grant_files
    offices = {o.code for o in district.offices}
    employees = {s.employee for s in staff.staff}
    grants = []
    for path in grant_files:
        gf = models.GrantsFile.model_validate(_load(path))
        assert gf.location == path.parent.name and gf.location in offices
        grants += gf.grants
    for grant in grants:
        assert grant.employee in employees
        assert set(grant.roles) <= set(by_id), grant.roles
    assert any(len(g.roles) >= 2 for g in grants), "no grant combines roles"
