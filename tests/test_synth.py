"""The synthetic district generator: deterministic, valid against the models, sized as asked, clean
under the policy the validator enforces (quotas, eligibility, locations, dates), and the maker of the
committed demo district, review files and CODEOWNERS included."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, run_cli
from rolebook.loading.repository import load_catalog
from rolebook.model.files import (
    AllSchoolsScope,
    ClusterScope,
    DistrictFile,
    GrantsFile,
    GroupsFile,
    Role,
    StaffFile,
)

from tools.synth import PRESETS, TODAY, Params, Summary, generate
from tools.synth.cli import main

ROOT = REPO_ROOT
PARAMS = Params(schools=20, clusters=2, offices=3, staff=400, seed=7)


def _load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    out = tmp_path_factory.mktemp("district")
    return out, generate(out, PARAMS)


@pytest.fixture(scope="module")
def loaded(generated: tuple[Path, Summary]) -> dict[str, object]:
    out, _ = generated
    access = out / "access"
    grants = {}
    for kind in ("schools", "offices"):
        for path in sorted((access / kind).glob("*/grants.yaml")):
            grants[(kind, path.parent.name)] = GrantsFile.model_validate(_load(path))
    return {
        "district": DistrictFile.model_validate(_load(access / "district.yaml")),
        "groups": GroupsFile.model_validate(_load(access / "groups.yaml")),
        "staff": StaffFile.model_validate(_load(access / "staff.yaml")),
        "grants": grants,
    }


@pytest.fixture(scope="module")
def catalog() -> dict[str, Role]:
    return load_catalog(ROOT).roles


def test_same_parameters_give_byte_identical_files(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    out, summary = generated
    again = generate(tmp_path, PARAMS)
    assert _tree(out) == _tree(tmp_path)
    assert again == summary


def test_another_seed_gives_another_district(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    out, _ = generated
    generate(tmp_path, Params(schools=20, clusters=2, offices=3, staff=400, seed=8))
    assert (out / "access/staff.yaml").read_bytes() != (tmp_path / "access/staff.yaml").read_bytes()


def test_every_file_validates_against_the_models(generated: tuple[Path, Summary]) -> None:
    out, _ = generated
    access = out / "access"
    DistrictFile.model_validate(_load(access / "district.yaml"))
    GroupsFile.model_validate(_load(access / "groups.yaml"))
    StaffFile.model_validate(_load(access / "staff.yaml"))
    files = sorted(access.glob("*/*/grants.yaml"))
    assert files
    for path in files:
        grants = GrantsFile.model_validate(_load(path))
        assert grants.location == path.parent.name


def test_counts_match_the_parameters(generated: tuple[Path, Summary], loaded: dict) -> None:
    _, summary = generated
    district, staff, grants = loaded["district"], loaded["staff"], loaded["grants"]
    assert len(district.schools) == summary.schools == PARAMS.schools
    assert len(district.clusters) == summary.clusters == PARAMS.clusters
    assert len(district.offices) == summary.offices == PARAMS.offices
    assert len(staff.staff) == summary.staff == PARAMS.staff
    assert len({p.employee for p in staff.staff}) == PARAMS.staff
    assert {code for kind, code in grants if kind == "schools"} == {s.code for s in district.schools}
    assert {code for kind, code in grants if kind == "offices"} == {o.code for o in district.offices}
    assert summary.grant_files == len(grants)
    entries = [g for f in grants.values() for g in f.grants]
    assert summary.grants == len(entries)
    assert summary.role_grants == sum(len(g.roles) for g in entries)
    assert summary.staff_with_grants == len({g.employee for g in entries})
    assert sum(summary.grants_by_category.values()) == summary.role_grants
    assert summary.warnings == []
    # Realistic shares: teachers are the largest group, principals one or two per school.
    by_role = Counter(r for f in grants.values() for g in f.grants for r in g.roles)
    assert by_role.most_common(1)[0][0] == "teacher"
    for kind, code in grants:
        if kind == "schools":
            principals = sum("principal" in g.roles for g in grants[(kind, code)].grants)
            assert 1 <= principals <= 2


def test_ids_are_quoted_and_files_start_with_the_schema(generated: tuple[Path, Summary]) -> None:
    out, _ = generated
    for path in sorted((out / "access").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=")
        for field, value in re.findall(r"^\s*(?:- )?(employee|location|code|sponsor): (\S+)", text, re.M):
            assert value.startswith('"'), (path, field, value)
        for items in re.findall(r"^\s*locations: \[(.*)\]$", text, re.M):
            assert all(i.startswith('"') for i in items.split(", ")), (path, items)


def test_grants_are_clean_under_the_policy(loaded: dict, catalog: dict[str, Role]) -> None:
    district, groups, staff, grants = loaded["district"], loaded["groups"], loaded["staff"], loaded["grants"]
    people = {p.employee: p for p in staff.staff}
    schools = {s.code: s for s in district.schools}
    clusters = {c.id for c in district.clusters}
    per_school: Counter[tuple[str, str]] = Counter()
    district_wide: Counter[str] = Counter()
    for (kind, code), file in grants.items():
        assert len({g.employee for g in file.grants}) == len(file.grants), "one entry per person per file"
        for g in file.grants:
            person = people[g.employee]
            assert person.hr_status.value == "processed"
            assert code in person.locations
            assert g.status.value == "active"
            assert g.granted <= TODAY < TODAY + dt.timedelta(days=30) < g.expires
            if person.contractor:
                assert g.expires <= person.contract_end
            if isinstance(g.scope, ClusterScope | AllSchoolsScope):
                assert kind == "offices"
                if isinstance(g.scope, ClusterScope):
                    assert g.scope.cluster in clusters
            assert len(set(g.roles)) == len(g.roles)
            for role_id in g.roles:
                role = catalog[role_id]
                kinds = {k.value for k in role.applies_to.locations}
                assert ("school" if kind == "schools" else "office") in kinds, (code, role_id)
                days = (g.expires - g.granted).days
                assert days <= {"low": 730}.get(role.security_level.value, 400)
                if role.eligibility.staff_types:
                    assert person.staff_type in role.eligibility.staff_types, (code, role_id)
                if role.eligibility.positions:
                    assert person.position.lower() in [p.lower() for p in role.eligibility.positions]
                if kind == "schools":
                    assert not role.extra_approval, "roles needing SPED Operations are in office files"
                    levels = role.applies_to.school_levels
                    assert levels is None or schools[code].level in levels, (code, role_id)
                    per_school[(code, role_id)] += 1
                else:
                    district_wide[role_id] += 1
    for school in district.schools:
        for role_id, role in catalog.items():
            if "school" not in {k.value for k in role.applies_to.locations}:
                continue
            levels = role.applies_to.school_levels
            if levels is not None and school.level not in levels:
                continue
            n, quota = per_school[(school.code, role_id)], role.quota
            assert n >= (quota.minimum_for(school.level) or 0), (school.code, role_id, n)
            assert quota.maximum is None or n <= quota.maximum, (school.code, role_id, n)
            allowed = quota.allowed_by_ratio(school.enrollment, school.level)
            assert allowed is None or n <= allowed, (school.code, role_id, n, allowed)
        holders = [people[g.employee] for g in grants[("schools", school.code)].grants if "principal" in g.roles]
        assert any(p.git_username for p in holders), school.code
    for role_id, role in catalog.items():
        if "office" in {k.value for k in role.applies_to.locations}:
            assert district_wide[role_id] >= (role.quota.minimum or 0), role_id
            assert role.quota.maximum is None or district_wide[role_id] <= role.quota.maximum, role_id
    members = {g.id: g.members for g in groups.groups}
    assert len(members["access-administrators"]) >= 3
    for group in groups.groups:
        assert group.members and all(people[m].git_username for m in group.members), group.id
    for c in district.clusters:
        assert c.approvers in members
    for o in district.offices:
        assert o.approvers in members


def test_too_few_staff_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too few"):
        generate(tmp_path, Params(schools=20, clusters=2, offices=3, staff=60, seed=7))


def test_regenerating_a_smaller_district_removes_stale_grants_files(tmp_path: Path) -> None:
    generate(tmp_path, Params(schools=8, clusters=2, offices=3, staff=200, seed=3))
    generate(tmp_path, Params(schools=5, clusters=2, offices=2, staff=150, seed=3))
    district = DistrictFile.model_validate(_load(tmp_path / "access/district.yaml"))
    on_disk = sorted(p.parent.name for p in (tmp_path / "access/schools").glob("*/grants.yaml"))
    assert on_disk == sorted(s.code for s in district.schools)
    assert sorted(p.name for p in (tmp_path / "access/offices").iterdir()) == sorted(
        o.code for o in district.offices)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--schools", "6", "--clusters", "2", "--offices", "4", "--staff", "180", "--seed", "11",
                 "--out", str(tmp_path)])
    assert code == 0
    assert "schools: 6" in capsys.readouterr().out
    assert len(StaffFile.model_validate(_load(tmp_path / "access/staff.yaml")).staff) == 180


def _demo_files(root: Path) -> dict[str, bytes]:
    """Every file under access/, and .github/CODEOWNERS: what the demo preset writes."""
    files = {f"access/{name}": data for name, data in _tree(root / "access").items()}
    codeowners = root / ".github" / "CODEOWNERS"
    if codeowners.exists():
        files[".github/CODEOWNERS"] = codeowners.read_bytes()
    return files


def test_the_committed_demo_is_what_the_generator_writes(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tools.synth", "--preset", "demo", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    generated, committed = _demo_files(tmp_path), _demo_files(ROOT)
    assert sorted(generated) == sorted(committed)
    reviews = [name for name in generated if re.fullmatch(r"access/schools/\d+/reviews/2026-H2\.yaml", name)]
    assert len(reviews) == PRESETS["demo"].schools and ".github/CODEOWNERS" in generated
    differ = [name for name in sorted(committed) if generated[name] != committed[name]]
    assert differ == [], f"the committed demo is stale; run `python -m tools.synth --preset demo --out .`: {differ}"


def test_reviews_and_codeowners_of_any_district_are_what_rolebook_accepts(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "roles", tmp_path / "roles")
    params = replace(PARAMS, review_period="2026-H2", reviewed_on=dt.date(2026, 9, 1), codeowners=True)
    summary = generate(tmp_path, params)
    assert summary.review_files == PARAMS.schools + PARAMS.offices
    validate = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert json.loads(validate.stdout)["summary"]["error"] == 0
    codeowners = run_cli("codeowners", "--check", cwd=tmp_path)
    assert codeowners.returncode == 0, codeowners.stdout + codeowners.stderr
    status = run_cli("review", "status", "--format", "json", cwd=tmp_path)
    assert status.returncode == 0, status.stdout + status.stderr
    rows = json.loads(status.stdout)
    assert len(rows) == PARAMS.schools + PARAMS.offices
    assert all(row["period"] == "2026-H2" and row["reviewed_on"] == "2026-09-01" for row in rows)
    # The principal never decides on their own access: someone else does, by name.
    for path in sorted(tmp_path.glob("access/schools/*/reviews/2026-H2.yaml")):
        review = _load(path)
        own = [item for item in review["items"] if "decided_by" in item]
        assert len(own) == 1 and own[0]["decided_by"] != review["reviewer"], path
        assert all(item["decision"] == "keep" for item in review["items"])


def test_a_catalog_the_loader_refuses_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "roles", catalog / "roles")
    role = catalog / "roles" / "teacher.yaml"
    text = role.read_text(encoding="utf-8")
    role.write_text(text + "combinable: yes\n", encoding="utf-8")  # YAML 1.1 reads it as true, 1.2 as text
    result = subprocess.run([sys.executable, "-m", "tools.synth", "--roles-from", str(catalog),
                             "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    assert f"roles/teacher.yaml:{len(text.splitlines()) + 1}:13: 'yes' is read as true/false" in result.stderr
    assert "fix: write true or false" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
