"""The loaded repository: every file's typed models, their sources for positions, and indexes over them.

Made by the full load (`rolebook.loading.repository`) and the partial load (`rolebook.loading.fast.partial`)
alike; the rest of Rolebook only reads it. Review files and the stored login file hang off it, read on
first use through the reader the loader set (`rolebook.loading.records`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rolebook.loading.records import LoginSet, RecordReader, ReviewSet, WorkingTreeRecords
from rolebook.loading.yamlfile import ParsedFile
from rolebook.model.files import (
    Category,
    Cluster,
    DistrictFile,
    Grant,
    GrantsFile,
    Group,
    LocationKind,
    Office,
    Policy,
    Role,
    School,
    StaffMember,
)
from rolebook.paths import CODEOWNERS_PATH, STAFF_FILE

GITHUB_DIR = CODEOWNERS_PATH.partition("/")[0]  # .github: a repository hosted on GitHub has one


@dataclass(frozen=True)
class Codeowners:
    """The repository's .github/CODEOWNERS as the loader read it, so that no rule reads a file itself.

    `text` is None when there is no such file; `github_folder` says whether the repository has a .github
    folder (hosted on GitHub: the file is then expected). Undecodable bytes read as U+FFFD, so such a
    line is simply not the line the data asks for.
    """

    text: str | None = None
    github_folder: bool = False

    @classmethod
    def of(cls, raw: bytes | None, github_folder: bool) -> Codeowners:
        return cls(None if raw is None else raw.decode("utf-8", errors="replace"), github_folder or raw is not None)

    @classmethod
    def read(cls, root: Path) -> Codeowners:
        """From the working tree (or a revision written out) under `root`; a folder named CODEOWNERS is not it."""
        target = root / CODEOWNERS_PATH
        return cls.of(target.read_bytes() if target.is_file() else None, (root / GITHUB_DIR).is_dir())

    @property
    def checked(self) -> bool:
        """Is the file expected to say what the data says (a GitHub-hosted repository, or the file exists)?"""
        return self.github_folder or self.text is not None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() if self.text is not None else []


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
    # Where the review files and the stored login file are read from, on first use (rolebook.loading.records).
    # None: the working tree under `root`.
    records: RecordReader | None = field(default=None, repr=False)
    # .github/CODEOWNERS, read by the loader beside the data (rule RB601 compares it with the data).
    codeowners: Codeowners = field(default_factory=Codeowners)

    # ------------------------------------------------------------------ records beside the access data
    @cached_property
    def reviews(self) -> ReviewSet:
        """Every access review that loads, and the problems of the review files that do not (read once)."""
        return (self.records or WorkingTreeRecords(self.root)).reviews()

    @cached_property
    def logins(self) -> LoginSet:
        """The stored MIS login file, or the problems that keep it from being used (read once)."""
        return (self.records or WorkingTreeRecords(self.root)).logins()

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
