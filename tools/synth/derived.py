"""The files Rolebook itself derives from the data: each school's completed access review, and CODEOWNERS.

They are written by Rolebook's own functions on the generated data, loaded by Rolebook's own loader, so
they are what `rolebook review open / decide / complete` and `rolebook codeowners` would write: the
review lists every grant reaching the school, the school's approver keeps every item and the first
other designated reviewer (an assistant principal, or the local district) decides the approver's own.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rolebook.facts.resolve import Access, effective_access
from rolebook.facts.reviewers import designated_reviewers, first_school_approver, login_index, review_locations
from rolebook.infra.yamledit import dump, load
from rolebook.loading import Repository, load_repository
from rolebook.model.review import Decision, ReviewStatus
from rolebook.paths import ACCESS_DIR, ROLES_DIR
from rolebook.reviews.edit import open_review_text


@contextmanager
def loaded(out: Path, catalog_root: Path) -> Iterator[Repository]:
    """The generated access/ with the catalog it was fitted to, as the real loader reads a repository.

    `out` need not hold roles/ (the generator never writes it): the loader reads a copy of both.
    """
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        root = Path(tmp)
        shutil.copytree(catalog_root / ROLES_DIR, root / ROLES_DIR)
        shutil.copytree(out / ACCESS_DIR, root / ACCESS_DIR)
        yield load_repository(root)


def completed_review(repo: Repository, accesses: list[Access], school: str, period: str,
                     reviewed_on: dt.date) -> str:
    """The text of a completed review of `school` for `period` in which every grant is kept.

    The review is opened by `rolebook review open`'s own function, then filled in the way its header
    asks a reviewer to: every decision `keep`, the reviewer's own items decided by a deputy, the status
    and the day. One edit of the whole file: `rolebook review decide` re-reads the file per decision,
    which for the demo's 530 items takes twenty seconds.
    """
    reviewer = first_school_approver(repo, school, accesses)
    text = open_review_text(repo, school, period, accesses, reviewer)
    own = login_index(repo).get(reviewer.lower()) if reviewer else None
    deputy = next((repo.staff[employee].git_username for employee in
                   designated_reviewers(repo, school, accesses).values() if employee != own), None)
    review = load(text)
    for item in review["items"]:
        item["decision"] = Decision.keep.value
        if deputy is not None and str(item["employee"]) == own:
            item["decided_by"] = deputy  # nobody decides on their own access
    review["status"] = ReviewStatus.completed.value
    review["reviewed_on"] = reviewed_on
    return dump(review, text)


def completed_reviews(repo: Repository, period: str, reviewed_on: dt.date) -> Iterator[tuple[str, str]]:
    """(location, review text) for every school of the district, then every office."""
    accesses = effective_access(repo)
    for school in review_locations(repo):
        yield school, completed_review(repo, accesses, school, period, reviewed_on)

