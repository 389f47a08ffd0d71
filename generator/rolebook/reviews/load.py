"""Reading review files, with the loader's own positions and plain-word errors.

The repository loader does not read `reviews/` folders: reviews are evidence about the access data,
not part of it, so a broken review never stops `rolebook access` or the site from working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from rolebook.loading.errors import LoadError
from rolebook.loading.messages import translate
from rolebook.loading.yamlfile import ParsedFile, read_yaml
from rolebook.model.review import ReviewFile, ReviewStatus, period_start

SCHOOLS_DIR = "access/schools"


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
        return self.model.reviewed_on or period_start(self.period)

    def line_of(self, *path: str | int) -> int:
        return self.source.locate(tuple(path))[0]


@dataclass
class ReviewSet:
    reviews: list[LoadedReview] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    def for_school(self, code: str) -> list[LoadedReview]:
        """One school's reviews, oldest period first."""
        return sorted((r for r in self.reviews if r.school == code), key=lambda r: r.period)

    def latest_completed(self, code: str) -> LoadedReview | None:
        done = [r for r in self.for_school(code) if r.model.status is ReviewStatus.completed]
        return max(done, key=lambda r: (r.effective_date, r.period), default=None)


def review_files(root: Path) -> list[Path]:
    folder = root / SCHOOLS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/reviews/*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_reviews(root: Path) -> ReviewSet:
    """Every review file under access/schools/*/reviews/, with every problem of every file."""
    found = ReviewSet()
    for path in review_files(root):
        relative = path.relative_to(root).as_posix()
        loaded, errors = read_review(root, relative)
        found.errors.extend(errors)
        if loaded is not None:
            found.reviews.append(loaded)
    return found


def read_review(root: Path, relative: str) -> tuple[LoadedReview | None, list[LoadError]]:
    parsed = read_yaml(root / relative, relative)
    if parsed.errors:
        return None, list(parsed.errors)
    if not isinstance(parsed.data, dict):
        return None, [LoadError(relative, 1, 1, "a review file is a mapping of fields",
                                "start from `rolebook review open`, which writes a complete file")]
    try:
        model = ReviewFile.model_validate(parsed.data)
    except ValidationError as exc:
        return None, translate(parsed, exc, ReviewFile)
    errors = []
    path = Path(relative)
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
