"""Load a whole access repository into typed models, collecting every problem of every file.

The cross-file checks (a category defined twice, a grants file in the wrong folder...) are written once,
in `rolebook.loading.checks`, and shared with the partial load. Review files and the stored login file
are read by `rolebook.loading.records`, on first use of `Repository.reviews` / `Repository.logins`.
The result, `Repository`, is defined in `rolebook.loading.loaded` (shared with the partial load).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rolebook.infra.gcpause import collector_paused, keep_loaded
from rolebook.loading import checks, layout
from rolebook.loading.errors import LoadError, LoadFailed
from rolebook.loading.fast import prefetch
from rolebook.loading.loaded import Codeowners, GrantsRecord, Repository
from rolebook.loading.messages import translate
from rolebook.loading.records import WorkingTreeRecords
from rolebook.loading.yamlfile import ParsedFile, parse_bytes, read_yaml, suspect_file
from rolebook.model.files import (
    CategoriesFile,
    DistrictFile,
    GrantsFile,
    GroupsFile,
    LocationKind,
    Policy,
    Role,
    StaffFile,
)
from rolebook.paths import (
    ACCESS_DIR,
    CATEGORIES_FILE,
    DISTRICT_FILE,
    GROUPS_FILE,
    OFFICES_FOLDER,
    POLICY_FILE,
    ROLES_DIR,
    SCHOOLS_FOLDER,
    STAFF_FILE,
)

M = TypeVar("M", bound=BaseModel)

LOCATION_DIRS = {SCHOOLS_FOLDER: LocationKind.school, OFFICES_FOLDER: LocationKind.office}


def load_repository(root: Path | str) -> Repository:
    """Load everything under `roles/` and `access/`. Raises LoadFailed with every error found."""
    loader = _Loader(Path(root))
    repo = loader.load()
    if loader.errors:
        raise LoadFailed(sorted(loader.errors, key=lambda e: (e.file, e.line, e.column)))
    return repo


def load_tolerant(root: Path | str) -> tuple[Repository, list[LoadError]]:
    """Load what loads, and every error (sorted), instead of raising: pull-request mode reports a broken
    file the change does not touch as a problem already there, and checks the rest without it. A file
    that does not parse or validate, or a grants file in the wrong place, is left out."""
    loader = _Loader(Path(root))
    repo = loader.load()
    return repo, sorted(loader.errors, key=lambda e: (e.file, e.line, e.column))


def file_problems(root: Path, relative: str, raw: bytes, district: DistrictFile | None) -> list[LoadError]:
    """The errors a full load reports for one grants file or the staff file holding `raw`, given the
    district: the same code path, for content read from Git without loading the rest."""
    loader = _Loader(Path(root))
    loader.repo.district = district
    parsed = parse_bytes(raw, loader.root / relative, relative)
    loader._take(parsed, loader._load_staff if relative == STAFF_FILE else loader._grants_from)
    return loader.errors


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
        self.refused: set[str] = set()  # links leading outside the repository: never read
        self.repo = Repository(root=root, records=WorkingTreeRecords(root))

    def load(self) -> Repository:
        self.repo.codeowners = Codeowners.read(self.root)  # beside the data: what rules compare it with
        if not (self.root / ROLES_DIR).is_dir() or not (self.root / ACCESS_DIR).is_dir():
            self.errors.append(LoadError(
                str(self.root), 1, 1, "not an access repository: roles/ and access/ are missing",
                "run the command inside the repository, or pass --repo PATH",
            ))
            return self.repo
        self._check_tree()
        with collector_paused():
            self.load_roles()
            self._load_access()
            keep_loaded(sum(len(record.model.grants) for record in self.repo.grants.values()), self.repo)
        return self.repo

    # ------------------------------------------------------------------ the tree
    def _check_tree(self) -> None:
        """Every file under roles/ and access/ is one the loader reads, and no link leads outside.
        One scandir per folder, on strings (a Path per file costs more than the walk itself)."""
        top = self.root.resolve()
        prefix = len(os.fspath(self.root)) + 1
        pending = [os.path.join(self.root, ROLES_DIR), os.path.join(self.root, ACCESS_DIR)]
        while pending:
            try:
                entries = list(os.scandir(pending.pop()))
            except OSError:
                continue
            for entry in entries:
                relative = entry.path[prefix:].replace(os.sep, "/")
                if entry.is_symlink():
                    target = Path(entry.path).resolve()
                    if not target.is_relative_to(top):
                        self.refused.add(relative)
                        self.errors.append(checks.link_leaves_repository(relative, target.as_posix()))
                        continue
                if entry.is_dir():
                    pending.append(entry.path)
                elif (problem := checks.unread_file(relative)) is not None:
                    self.errors.append(problem)

    def _is_refused(self, relative: str) -> bool:
        return bool(self.refused) and any(relative == r or relative.startswith(r + "/") for r in self.refused)

    # ------------------------------------------------------------------ helpers
    def _read(self, relative: str, *, scan: bool = True) -> ParsedFile | None:
        if self._is_refused(relative):
            return None
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
            self.errors += checks.categories_defined_twice(parsed, categories)
            repo.categories.update((category.id, category) for category in categories.categories)
        if (self.root / POLICY_FILE).exists() and (parsed := self._read(POLICY_FILE)):
            repo.policy = self._model(parsed, Policy) or repo.policy
        for path in self._yaml_files(self.root / ROLES_DIR):
            relative = self._relative(path)
            if relative in {CATEGORIES_FILE, POLICY_FILE}:
                continue
            if (parsed := self._read(relative)) is None or (role := self._model(parsed, Role)) is None:
                continue
            self.errors += checks.role_problems(parsed, role, path.stem, repo.roles, repo.categories)
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
                self.errors += checks.district_problems(parsed, repo.district)
        if (self.root / GROUPS_FILE).exists() and (parsed := self._read(GROUPS_FILE)):
            if groups := self._model(parsed, GroupsFile):
                self.errors += checks.groups_defined_twice(parsed, groups)
                repo.groups.update((group.id, group) for group in groups.groups)
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
        return prefetch.take_started(self.root, [self._relative(path) for path in self._grants_files()])

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
        if len(repo.staff) != len(members):  # someone is listed twice (the dict is shorter): say where
            self.errors += checks.staff_listed_twice(parsed, employees)

    def _grants_files(self) -> list[Path]:
        return layout.grants_files(self.root)

    def _load_grants_file(self, path: Path, *, scan: bool = True) -> None:
        self._grants_from(self._read(self._relative(path), scan=scan))

    def _grants_from(self, parsed: ParsedFile | None) -> None:
        repo = self.repo
        if parsed is None or (model := self._model(parsed, GrantsFile)) is None:
            return
        location_dir = parsed.path.parent
        kind = LOCATION_DIRS[location_dir.parent.name]
        known = None if repo.district is None else repo.schools if kind is LocationKind.school else repo.offices
        if problems := checks.grants_location_problems(parsed, model, kind, location_dir.name, known):
            self.errors += problems
            return
        repo.grants[model.location] = GrantsRecord(kind, model.location, parsed, model)


def parse_only(root: Path) -> list[Any]:
    """Parse every YAML file and nothing else: the floor the benchmark compares loading against."""
    return [read_yaml(p, p.as_posix()).data for p in sorted((root).rglob("*.yaml"))]
