"""`generate`: plan a district and write it into a repository, then count what was written.

It writes access/ (district, groups, staff, one grants file per school and office), and when the
parameters ask for them each school's completed access review and .github/CODEOWNERS. It never writes
roles/: the catalog is read, from `params.roles_from` or this checkout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rolebook.facts.ownership import generate_codeowners
from rolebook.facts.reviewers import location_review_path
from rolebook.paths import ACCESS_DIR, CODEOWNERS_PATH, LOCATION_FOLDERS, grants_file_path, review_path

from tools.synth import derived
from tools.synth.catalog import read_catalog
from tools.synth.emit import district_yaml, grants_yaml, groups_yaml, staff_yaml
from tools.synth.places import Location
from tools.synth.plan import District, build
from tools.synth.presets import PRESETS, REPO_ROOT, TODAY, Params


@dataclass
class Summary:
    schools: int = 0
    clusters: int = 0
    offices: int = 0
    staff: int = 0
    staff_with_grants: int = 0
    contractors: int = 0
    grant_files: int = 0
    grants: int = 0  # grant entries (one person, one file, one or more roles)
    role_grants: int = 0  # (person, role, location) triples
    scoped_grants: int = 0  # entries with a cluster or all-schools scope
    grants_by_category: dict[str, int] = field(default_factory=dict)  # role grants per role category
    review_files: int = 0
    warnings: list[str] = field(default_factory=list)


def generate(out_dir: Path, params: Params, origin: str | None = None) -> Summary:
    """Write the district `params` describes into the repository at `out_dir`.

    `origin` is named in the files' header comments (default: the preset's command, or the sizes).
    ValueError if the district cannot be planned; LoadFailed if the role catalog does not load.
    """
    out = Path(out_dir)
    catalog_root = Path(params.roles_from) if params.roles_from else REPO_ROOT
    catalog = read_catalog(catalog_root)
    district = build(params, catalog)
    origin = origin or _origin(params)
    _write(out / ACCESS_DIR / "district.yaml", district_yaml(district, origin))
    _write(out / ACCESS_DIR / "groups.yaml", groups_yaml(district))
    _write(out / ACCESS_DIR / "staff.yaml", staff_yaml(district, origin))

    summary = Summary(schools=len(district.schools), clusters=len(district.clusters),
                      offices=len(district.offices), staff=len(district.people),
                      contractors=sum(p.contractor for p in district.people), warnings=list(district.warnings))
    clusters = {c.code: c for c in district.clusters}
    holders: set[str] = set()
    by_category: dict[str, int] = {}
    written: set[Path] = set()
    for loc, folder in _locations(district):
        entries = list(district.book.entries.get(loc.code, {}).values())
        path = out / grants_file_path(folder, loc.code)
        _write(path, grants_yaml(loc, entries, catalog, clusters))
        written.add(path)
        summary.grant_files += 1
        summary.grants += len(entries)
        for e in entries:
            holders.add(e.person.employee)
            summary.role_grants += len(e.roles)
            summary.scoped_grants += e.scope is not None
            for r in e.roles:
                category = catalog.roles[r].category
                by_category[category] = by_category.get(category, 0) + 1
    summary.staff_with_grants = len(holders)
    summary.grants_by_category = dict(sorted(by_category.items()))
    _remove_stale(out, written, params.review_period)

    if params.review_period is not None or params.codeowners:
        with derived.loaded(out, catalog_root) as repo:
            if params.review_period is not None:
                reviewed_on = params.reviewed_on or TODAY
                for school, text in derived.completed_reviews(repo, params.review_period, reviewed_on):
                    _write(out / location_review_path(repo, school, params.review_period), text)
                    summary.review_files += 1
            if params.codeowners:
                _write(out / CODEOWNERS_PATH, generate_codeowners(repo, TODAY))
    return summary


def _origin(params: Params) -> str:
    """What the files say wrote them: the command that makes a preset again, or the sizes."""
    preset = next((name for name, preset in PRESETS.items() if preset == params), None)
    if preset is not None:
        return f"`python -m tools.synth --preset {preset}`"
    return f"tools/synth, seed {params.seed}, {params.schools} schools, {params.staff} staff"


def _locations(district: District) -> list[tuple[Location, str]]:
    schools, offices = LOCATION_FOLDERS
    return [(s, schools) for s in district.schools] + [(o, offices) for o in district.offices]


def _remove_stale(out: Path, written: set[Path], period: str | None) -> None:
    """Grants files (and this period's review) of schools and offices the district no longer has."""
    for folder in LOCATION_FOLDERS:
        for stale in sorted((out / ACCESS_DIR / folder).glob("*/grants.yaml")):
            if stale in written:
                continue
            stale.unlink()
            review = out / review_path(stale.parent.name, period, folder) if period else None
            if review is not None and review.exists():
                review.unlink()
                if not any(review.parent.iterdir()):
                    review.parent.rmdir()
            if not any(stale.parent.iterdir()):
                stale.parent.rmdir()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
