"""Records kept beside the access data: the six-monthly review files and the stored MIS login file.

`access/<schools|offices>/<code>/reviews/<period>.yaml` and `access/logins.csv` are read here and nowhere else,
strictly, with every problem at its file, line and column and with a fix. They are evidence about the
access data, not part of it: a broken review or login file never stops `rolebook access` or the site.
Their problems are kept beside what was read (`ReviewSet.errors`, `LoginSet.errors`) and the policy
reports them as findings (RB700, RB705).

The loader hangs a `RecordReader` on the repository and `Repository.reviews` / `Repository.logins`
read through it once, on first use: a command that never looks at reviews never reads them. The full
load reads the working tree (`WorkingTreeRecords`); the partial load reads the revision's own blobs.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from rolebook.infra import csvio
from rolebook.loading.errors import LoadError
from rolebook.loading.messages import translate
from rolebook.loading.yamlfile import ParsedFile, read_yaml
from rolebook.paths import ACCESS_DIR, LOCATION_FOLDERS, LOGINS_FILE, REVIEW_FILE

if TYPE_CHECKING:  # the review model is built on first use: the approval gate never reads a review
    from rolebook.model.review import ReviewFile

LOGINS_HEADER = ["employee_number", "location_code", "role", "last_login"]
REVIEW_HINT = "compare with a file written by `rolebook review open`"
LOGINS_HINT = "import it again with `rolebook logins import --export FILE`"


# ---------------------------------------------------------------------- reviews
@dataclass
class LoadedReview:
    file: str  # repo-relative path
    source: ParsedFile
    model: ReviewFile

    @property
    def school(self) -> str:
        return self.model.school

    @property
    def period(self) -> str:
        return self.model.period

    @property
    def effective_date(self) -> dt.date:
        """When the review happened: its reviewed_on, or the start of its period when that is missing."""
        from rolebook.model.review import period_start

        return self.model.reviewed_on or period_start(self.period)

    def line_of(self, *path: str | int) -> int:
        return self.source.locate(tuple(path))[0]


@dataclass
class ReviewSet:
    """Every review file that loads, and the problems of those that do not."""

    reviews: list[LoadedReview] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    @cached_property
    def _by_school(self) -> dict[str, list[LoadedReview]]:
        found: dict[str, list[LoadedReview]] = {}
        for review in sorted(self.reviews, key=lambda r: r.period):
            found.setdefault(review.school, []).append(review)
        return found

    def for_school(self, code: str) -> list[LoadedReview]:
        """One school's reviews, oldest period first."""
        return list(self._by_school.get(code, ()))


def is_review_file(relative: str) -> bool:
    return REVIEW_FILE.match(relative) is not None


def review_school(relative: str) -> str | None:
    """The school or office whose folder holds a review file, from its path alone."""
    match = REVIEW_FILE.match(relative)
    return match.group(2) if match else None


def review_files(root: Path) -> list[str]:
    """Every access/{schools,offices}/*/reviews/*.yaml of the working tree, repo-relative, in path order."""
    found = (p for folder in LOCATION_FOLDERS for p in (root / ACCESS_DIR / folder).glob("*/reviews/*"))
    return sorted(relative for p in found if p.suffix in {".yaml", ".yml"} and p.is_file()
                  and is_review_file(relative := p.relative_to(root).as_posix()))


def read_review(root: Path, relative: str) -> tuple[LoadedReview | None, list[LoadError]]:
    """One review file of the working tree: the review, or None and every problem."""
    return review_from(read_yaml(root / relative, relative))


def _review_model() -> type[ReviewFile]:
    from rolebook.model.review import ReviewFile

    return ReviewFile


def review_from(parsed: ParsedFile) -> tuple[LoadedReview | None, list[LoadError]]:
    """A parsed review file (from the working tree or a revision's blob): the review, or None and every problem."""
    relative = parsed.display
    if parsed.errors:
        return None, list(parsed.errors)
    if not isinstance(parsed.data, dict):
        return None, [LoadError(relative, 1, 1, "a review file is a mapping of fields",
                                "start from `rolebook review open`, which writes a complete file")]
    try:
        model = _review_model().model_validate(parsed.data)
    except ValidationError as exc:
        return None, translate(parsed, exc, _review_model())
    errors = []
    path = PurePosixPath(relative)
    school_dir = path.parent.parent.name
    if model.school != school_dir:
        errors.append(parsed.error(("school",), f"school '{model.school}' does not match the folder '{school_dir}'",
                                   f"set school: \"{school_dir}\" or move the file"))
    if path.stem != model.period:
        errors.append(parsed.error(("period",), f"period '{model.period}' does not match the file name",
                                   f"rename the file to {model.period}{path.suffix} or set period: {path.stem}"))
    if errors:
        return None, errors
    return LoadedReview(relative, parsed, model), []


def collect_reviews(parsed_files: Iterable[ParsedFile]) -> ReviewSet:
    """A ReviewSet of parsed review files, in the order given."""
    found = ReviewSet()
    for parsed in parsed_files:
        loaded, errors = review_from(parsed)
        found.errors.extend(errors)
        if loaded is not None:
            found.reviews.append(loaded)
    return found


def load_reviews(root: Path) -> ReviewSet:
    """Every review file under access/{schools,offices}/*/reviews/ of the working tree, with every problem
    of every file."""
    return collect_reviews(read_yaml(root / relative, relative) for relative in review_files(root))


# ---------------------------------------------------------------------- logins
@dataclass(frozen=True, order=True)
class LoginRecord:
    employee: str
    location: str
    role: str
    last_login: dt.datetime | None


_STORED_COLUMNS = [
    csvio.Column("employee_number", csvio.employee_number),
    csvio.Column("location_code", csvio.location_code),
    csvio.Column("role"),
    csvio.Column("last_login", csvio.iso_datetime, required=False),
]


def read_stored(repo_root: Path | str, path: Path | None = None) -> list[LoginRecord]:
    """The stored login file (or `path`, holding its content); [] when there is none.

    Raises csvio.CsvRejected listing every bad row when the file was edited into a bad state."""
    path = path or Path(repo_root) / LOGINS_FILE
    if not path.exists():
        return []
    table = csvio.read_csv(path, _STORED_COLUMNS, display=LOGINS_FILE)
    return [LoginRecord(r["employee_number"], r["location_code"], r["role"], r["last_login"]) for r in table.rows]


def latest_logins(records: Iterable[LoginRecord]) -> dict[tuple[str, str], dt.datetime]:
    """{(employee, location): last login}; a person who never logged in at a location has no entry."""
    found: dict[tuple[str, str], dt.datetime] = {}
    for record in records:
        if record.last_login is None:
            continue
        key = (record.employee, record.location)
        if key not in found or record.last_login > found[key]:
            found[key] = record.last_login
    return found


def load_logins(repo_root: Path | str) -> dict[tuple[str, str], dt.datetime]:
    """{(employee, location): last login} from access/logins.csv; {} when there is no login data.

    Raises csvio.CsvRejected if the stored file was edited into a bad state.
    """
    return latest_logins(read_stored(Path(repo_root)))


def has_login_data(repo_root: Path | str) -> bool:
    return (Path(repo_root) / LOGINS_FILE).exists()


@dataclass
class LoginSet:
    """The stored login file: whether there is one, its records, or every problem when it cannot be used.

    A file with a bad row is refused whole (`records` is empty): a dropped row would make a person look
    as if they never logged in."""

    present: bool = False
    records: list[LoginRecord] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    @cached_property
    def last_login(self) -> dict[tuple[str, str], dt.datetime]:
        """{(employee, location): last login}; a person who never logged in at a location has no entry."""
        return latest_logins(self.records)

    @cached_property
    def last_login_anywhere(self) -> dict[str, dt.datetime]:
        """{employee: their last login at any location}."""
        found: dict[str, dt.datetime] = {}
        for (employee, _location), when in self.last_login.items():
            if employee not in found or when > found[employee]:
                found[employee] = when
        return found


def logins_at(read: Path) -> LoginSet:
    """A stored login file's content at `read` (the working tree's, or a copy of a revision's)."""
    try:
        return LoginSet(present=True, records=read_stored(read.parent, read))
    except csvio.CsvRejected as rejected:
        return LoginSet(present=True, errors=[
            LoadError(problem.file, problem.line, 1, problem.message, LOGINS_HINT) for problem in rejected.problems])


def read_logins(root: Path) -> LoginSet:
    """The working tree's stored login file, strictly."""
    path = root / LOGINS_FILE
    return logins_at(path) if path.exists() else LoginSet()


def logins_from_bytes(data: bytes) -> LoginSet:
    """A revision's stored login file, from its content, read by the same strict reader."""
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="rolebook-logins-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        return logins_at(Path(name))
    finally:
        os.unlink(name)


# ---------------------------------------------------------------------- the reader a repository holds
class RecordReader(Protocol):
    """Where a repository's records come from: the working tree, or a revision's blobs."""

    def reviews(self) -> ReviewSet: ...

    def logins(self) -> LoginSet: ...


@dataclass(frozen=True)
class WorkingTreeRecords:
    root: Path

    def reviews(self) -> ReviewSet:
        return load_reviews(self.root)

    def logins(self) -> LoginSet:
        return read_logins(self.root)


@dataclass(frozen=True)
class RevisionRecords:
    """A revision's records, as the partial load read them from its content: the review files already
    parsed, the login file as a working-tree file holding that very content, or its bytes (None: none)."""

    review_set: ReviewSet
    login_file: Path | bytes | None

    def reviews(self) -> ReviewSet:
        return self.review_set

    def logins(self) -> LoginSet:
        if self.login_file is None:
            return LoginSet()
        if isinstance(self.login_file, Path):
            return logins_at(self.login_file)
        return logins_from_bytes(self.login_file)
