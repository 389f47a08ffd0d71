"""Load a whole access repository into typed models, collecting every problem of every file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rolebook.infra.gcpause import collector_paused, keep_loaded
from rolebook.loading.errors import LoadError, LoadFailed
from rolebook.loading.fast import prefetch
from rolebook.loading.messages import translate
from rolebook.loading.yamlfile import ParsedFile, read_yaml, suspect_file
from rolebook.model.files import (
    CategoriesFile,
    Category,
    Cluster,
    DistrictFile,
    Grant,
    GrantsFile,
    Group,
    GroupsFile,
    LocationKind,
    Office,
    Policy,
    Role,
    School,
    StaffFile,
    StaffMember,
)

M = TypeVar("M", bound=BaseModel)

ROLES_DIR = "roles"
ACCESS_DIR = "access"
CATEGORIES_FILE = "roles/categories.yaml"
POLICY_FILE = "roles/policy.yaml"
DISTRICT_FILE = "access/district.yaml"
GROUPS_FILE = "access/groups.yaml"
STAFF_FILE = "access/staff.yaml"
LOCATION_DIRS = {"schools": LocationKind.school, "offices": LocationKind.office}


@dataclass
class GrantsRecord:
    """One grants file: the school or office it belongs to, its models and its source for positions."""

    kind: LocationKind
    code: str
    source: ParsedFile
    model: GrantsFile

    @property
    def file(self) -> str:
        return self.source.display

    def line_of(self, index: int, *path: str | int) -> int:
        return self.source.locate(("grants", index, *path))[0]


@dataclass
class Repository:
    root: Path
    roles: dict[str, Role] = field(default_factory=dict)
    role_sources: dict[str, ParsedFile] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    district: DistrictFile | None = None
    groups: dict[str, Group] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    staff_index: dict[str, int] = field(default_factory=dict)
    grants: dict[str, GrantsRecord] = field(default_factory=dict)
    sources: dict[str, ParsedFile] = field(default_factory=dict)
    # A partial load (pull-request mode, rolebook.loading.fast.partial): the school codes whose grants files
    # were read (offices are always read; staff holds only the people involved). None: everything.
    loaded_locations: set[str] | None = None

    # ------------------------------------------------------------------ indexes
    @cached_property
    def schools(self) -> dict[str, School]:
        return {s.code: s for s in self.district.schools} if self.district else {}

    @cached_property
    def offices(self) -> dict[str, Office]:
        return {o.code: o for o in self.district.offices} if self.district else {}

    @cached_property
    def clusters(self) -> dict[str, Cluster]:
        return {c.id: c for c in self.district.clusters} if self.district else {}

    def location_name(self, code: str) -> str:
        place = self.schools.get(code) or self.offices.get(code)
        return place.name if place else code

    def iter_grants(self) -> Iterator[tuple[GrantsRecord, int, Grant]]:
        for record in self.grants.values():
            for index, grant in enumerate(record.model.grants):
                yield record, index, grant

    def locate(self, file: str, path: tuple[str | int, ...]) -> int:
        source = self.sources.get(file)
        return source.locate(path)[0] if source else 1

    def staff_line(self, employee: str) -> tuple[str, int]:
        index = self.staff_index.get(employee)
        return STAFF_FILE, (self.locate(STAFF_FILE, ("staff", index)) if index is not None else 1)


def load_repository(root: Path | str) -> Repository:
    """Load everything under `roles/` and `access/`. Raises LoadFailed with every error found."""
    loader = _Loader(Path(root))
    repo = loader.load()
    if loader.errors:
        raise LoadFailed(sorted(loader.errors, key=lambda e: (e.file, e.line, e.column)))
    return repo


def load_catalog(root: Path | str) -> Repository:
    """Only roles/ (roles, categories, policy): all that the public guide may read, never personal data."""
    loader = _Loader(Path(root))
    loader.load_roles()
    if loader.errors:
        raise LoadFailed(sorted(loader.errors, key=lambda e: (e.file, e.line, e.column)))
    return loader.repo


class _Loader:
    def __init__(self, root: Path):
        self.root = root
        self.errors: list[LoadError] = []
        self.repo = Repository(root=root)

    def load(self) -> Repository:
        if not (self.root / ROLES_DIR).is_dir() or not (self.root / ACCESS_DIR).is_dir():
            self.errors.append(LoadError(
                str(self.root), 1, 1, "not an access repository: roles/ and access/ are missing",
                "run the command inside the repository, or pass --repo PATH",
            ))
            return self.repo
        with collector_paused():
            self.load_roles()
            self._load_access()
            keep_loaded(sum(len(record.model.grants) for record in self.repo.grants.values()), self.repo)
        return self.repo

    # ------------------------------------------------------------------ helpers
    def _read(self, relative: str, *, scan: bool = True) -> ParsedFile | None:
        parsed = read_yaml(self.root / relative, relative, scan=scan)
        self.repo.sources[relative] = parsed
        if parsed.errors:
            self.errors.extend(parsed.errors)
            return None
        return self._check_mapping(parsed)

    def _check_mapping(self, parsed: ParsedFile) -> ParsedFile | None:
        relative = parsed.display
        if not isinstance(parsed.data, dict):
            self.errors.append(LoadError(relative, 1, 1, "expected a mapping of fields at the top of the file",
                                         "start the file with 'field: value' lines"))
            return None
        return parsed

    def _model(self, parsed: ParsedFile, model: type[M]) -> M | None:
        try:
            return model.model_validate(parsed.data)
        except ValidationError as exc:
            self.errors.extend(translate(parsed, exc, model))
            return None

    def _yaml_files(self, folder: Path) -> Iterable[Path]:
        return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # ------------------------------------------------------------------ roles/
    def load_roles(self) -> None:
        repo = self.repo
        parsed = self._read(CATEGORIES_FILE) if (self.root / CATEGORIES_FILE).exists() else None
        if parsed is None and not (self.root / CATEGORIES_FILE).exists():
            self.errors.append(LoadError(CATEGORIES_FILE, 1, 1, "the role categories file is missing",
                                         "create roles/categories.yaml listing the guide's groupings"))
        if parsed is not None and (categories := self._model(parsed, CategoriesFile)):
            for index, category in enumerate(categories.categories):
                if category.id in repo.categories:
                    self.errors.append(parsed.error(("categories", index, "id"),
                                                    f"category '{category.id}' is defined twice"))
                repo.categories[category.id] = category
        if (self.root / POLICY_FILE).exists() and (parsed := self._read(POLICY_FILE)):
            repo.policy = self._model(parsed, Policy) or repo.policy
        for path in self._yaml_files(self.root / ROLES_DIR):
            relative = self._relative(path)
            if relative in {CATEGORIES_FILE, POLICY_FILE}:
                continue
            if (parsed := self._read(relative)) is None or (role := self._model(parsed, Role)) is None:
                continue
            if path.stem != role.id:
                self.errors.append(parsed.error(("id",), f"role id '{role.id}' does not match the file name",
                                                f"rename the file to {role.id}.yaml or set id: {path.stem}"))
            if role.id in repo.roles:
                self.errors.append(parsed.error(("id",), f"role '{role.id}' is defined twice"))
            if repo.categories and role.category not in repo.categories:
                self.errors.append(parsed.error(
                    ("category",), f"unknown category '{role.category}'",
                    f"use one of: {', '.join(repo.categories)}"))
            repo.roles[role.id] = role
            repo.role_sources[role.id] = parsed

    # ------------------------------------------------------------------ access/
    def _load_access(self) -> None:
        repo = self.repo
        ahead = self._start_prefetch()
        if not (self.root / DISTRICT_FILE).exists():
            self.errors.append(LoadError(DISTRICT_FILE, 1, 1, "the district file is missing",
                                         "create access/district.yaml with the organisation, clusters and schools"))
        elif (parsed := self._read(DISTRICT_FILE)) is not None:
            repo.district = self._model(parsed, DistrictFile)
            if repo.district:
                self._check_district(parsed, repo.district)
        if (self.root / GROUPS_FILE).exists() and (parsed := self._read(GROUPS_FILE)):
            if groups := self._model(parsed, GroupsFile):
                for index, group in enumerate(groups.groups):
                    if group.id in repo.groups:
                        self.errors.append(parsed.error(("groups", index, "id"),
                                                        f"group '{group.id}' is defined twice"))
                    repo.groups[group.id] = group
        if ahead is None:
            if (self.root / STAFF_FILE).exists():
                self._load_staff(self._read(STAFF_FILE))
            for path in self._grants_files():
                self._load_grants_file(path)
        else:
            self._load_with(ahead)

    def _start_prefetch(self) -> prefetch.Prefetch | None:
        """A second process for the staff file, a share of the grants files and the scans, when the
        repository is large enough to gain from it."""
        staff_file = self.root / STAFF_FILE
        if not (staff_file.is_file() and prefetch.wanted(staff_file)):
            return None
        grants = [self._relative(path) for path in self._grants_files()]
        theirs = prefetch.child_share(grants)
        return prefetch.Prefetch(self.root, parsed=[STAFF_FILE, *grants[len(grants) - theirs:]],
                                 scanned=grants[:len(grants) - theirs])

    def _load_with(self, ahead: prefetch.Prefetch) -> None:
        """Parse (without the scan) and validate this process's share, taking the staff file in between
        as soon as the child has sent it; then take the child's grants files."""
        staff_taken = False
        for relative in ahead.scanned:
            self._load_grants_file(self.root / relative, scan=False)
            if not staff_taken and ahead.staff_ready():
                self._take(ahead.staff(), self._load_staff)
                staff_taken = True
        if not staff_taken:
            self._take(ahead.staff(), self._load_staff)
        fetched = ahead.collect()
        for relative in ahead.parsed[1:]:
            self._take(ahead.source(fetched, relative), self._grants_from)
        # The files the scan picked out (all of them if the child failed) are read again, carefully.
        suspects = fetched.suspects if fetched is not None else {
            name for name in ahead.scanned if suspect_file(self.root / name)}
        for relative in sorted(suspects):
            self.errors = [error for error in self.errors if error.file != relative]
            code = Path(relative).parent.name
            if code in self.repo.grants and self.repo.grants[code].file == relative:
                del self.repo.grants[code]
            self._load_grants_file(self.root / relative)
        order = {name: index for index, name in enumerate(ahead.scanned + ahead.parsed[1:])}
        self.repo.grants = dict(sorted(self.repo.grants.items(), key=lambda item: order[item[1].file]))

    def _take(self, parsed: ParsedFile, load: Callable[[ParsedFile | None], None]) -> None:
        """Record a file parsed elsewhere as `_read` records one it parses, then load its models."""
        self.repo.sources[parsed.display] = parsed
        if parsed.errors:
            self.errors.extend(parsed.errors)
            return
        load(self._check_mapping(parsed))

    def _load_staff(self, parsed: ParsedFile | None) -> None:
        repo = self.repo
        if parsed is None or (staff := self._model(parsed, StaffFile)) is None:
            return
        members = staff.staff
        employees = [member.employee for member in members]
        repo.staff = dict(zip(employees, members, strict=True))
        repo.staff_index = dict(zip(employees, range(len(employees)), strict=True))
        if len(repo.staff) == len(members):
            return
        seen: set[str] = set()  # someone is listed twice: find where, as the slow path
        for index, member in enumerate(members):
            if member.employee in seen:
                self.errors.append(parsed.error(
                    ("staff", index, "employee"), f"employee {member.employee} is listed twice",
                    "keep one record per employee number; merge their locations"))
            seen.add(member.employee)

    def _check_district(self, parsed: ParsedFile, district: DistrictFile) -> None:
        seen: set[str] = set()
        codes = [("schools", i, s.code) for i, s in enumerate(district.schools)]
        codes += [("offices", i, o.code) for i, o in enumerate(district.offices)]
        for kind, index, code in codes:
            if code in seen:
                self.errors.append(parsed.error(
                    (kind, index, "code"), f"location code '{code}' is used twice",
                    "every school and office needs its own code"))
            seen.add(code)
        clusters = {c.id for c in district.clusters}
        for index, school in enumerate(district.schools):
            if school.cluster not in clusters:
                self.errors.append(parsed.error(
                    ("schools", index, "cluster"), f"unknown cluster '{school.cluster}'",
                    f"use one of: {', '.join(sorted(clusters)) or '(define clusters first)'}"))

    def _grants_files(self) -> list[Path]:
        """Every access/schools/<code>/grants.yaml and access/offices/<code>/grants.yaml, in order."""
        found: list[Path] = []
        for folder_name in LOCATION_DIRS:
            folder = self.root / ACCESS_DIR / folder_name
            if folder.is_dir():
                found += [p / "grants.yaml" for p in sorted(folder.iterdir())
                          if p.is_dir() and (p / "grants.yaml").exists()]
        return found

    def _load_grants_file(self, path: Path, *, scan: bool = True) -> None:
        self._grants_from(self._read(self._relative(path), scan=scan))

    def _grants_from(self, parsed: ParsedFile | None) -> None:
        repo = self.repo
        if parsed is None or (model := self._model(parsed, GrantsFile)) is None:
            return
        location_dir = parsed.path.parent
        folder_name = location_dir.parent.name
        kind = LOCATION_DIRS[folder_name]
        known = repo.schools if kind is LocationKind.school else repo.offices
        if model.location != location_dir.name:
            self.errors.append(parsed.error(
                ("location",), f"location '{model.location}' does not match the folder '{location_dir.name}'",
                f"set location: \"{location_dir.name}\" or move the file"))
            return
        if repo.district is not None and model.location not in known:
            self.errors.append(parsed.error(
                ("location",), f"{kind.value} '{model.location}' is not in {DISTRICT_FILE}",
                f"add it to the {folder_name} of {DISTRICT_FILE}, or move the folder"))
            return
        repo.grants[model.location] = GrantsRecord(kind, model.location, parsed, model)


def parse_only(root: Path) -> list[Any]:
    """Parse every YAML file and nothing else: the floor the benchmark compares loading against."""
    return [read_yaml(p, p.as_posix()).data for p in sorted((root).rglob("*.yaml"))]
