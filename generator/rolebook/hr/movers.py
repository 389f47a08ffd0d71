"""Movers: a change of position at the same school puts that person's grants up for review.

The district's instructions ask administrators to remove or change access when staff "change job
assignments at the same school"; an HR update that only rewrote the position in the staff directory
let a Teacher who became an Assistant Principal keep everything. For each such person `hr sync` now
prepares a pull request of their own, on its own branch, that:
- updates their staff-directory entry from HR (the new position, and anything else HR changed);
- removes the roles the new position may not hold (a role's `eligibility`: positions and staff types);
- asks the principal of each school about every role left, in a checklist in the pull request body.

It carries the removal marker (`by: hr-mover`), holding the person at every location it reviews and
their staff-directory entry, so nobody is in two open pull requests for the same thing: the nightly
change leaves them to it, and so does every other removal command. A location the person left is the
nightly change's (a transfer); everything else of theirs is reviewed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap

from rolebook.facts import removal_marker
from rolebook.facts.approvers import Approver, location_approvers
from rolebook.hr.sync import Reassigned, staff_text, update_entry
from rolebook.infra.yamledit import GrantChange, GrantsDocument, dump, load
from rolebook.loading import Repository
from rolebook.model.files import Role
from rolebook.paths import STAFF_FILE

BRANCH_PREFIX = "hr/mover-"
MARKER_BY = "hr-mover"


@dataclass(frozen=True)
class Question:
    """A role the new position may still hold: the principal decides whether it is still needed."""

    location: str
    role: str
    name: str


@dataclass(frozen=True)
class Removal:
    location: str
    file: str
    role: str
    name: str
    why: str


@dataclass
class MoverReview:
    employee: str
    name: str
    old_position: str
    new_position: str
    old_staff_type: str
    new_staff_type: str
    removals: list[Removal] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    askers: dict[str, tuple[Approver, ...]] = field(default_factory=dict)  # location -> whom to ask
    location_names: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # repo-relative path -> new text
    changes: list[tuple[str, GrantChange]] = field(default_factory=list)

    @property
    def locations(self) -> list[str]:
        """Every location whose grants this review covers: the marker holds the person there."""
        return sorted(self.location_names)

    @property
    def title(self) -> str:
        return f"Review access: {self.name} is now {self.new_position}"

    @property
    def marker(self) -> str:
        return removal_marker.write(MARKER_BY, {self.employee: self.locations}, [self.employee])


def not_eligible(role: Role, position: str, staff_type: str) -> str | None:
    """Why the role is not open to this position and staff type (the role's eligibility), or None."""
    allowed = role.eligibility
    if allowed.positions and position.casefold() not in {p.casefold() for p in allowed.positions}:
        return f"only for {', '.join(allowed.positions)}"
    if allowed.staff_types and staff_type not in {t.value for t in allowed.staff_types}:
        return f"only for {' or '.join(t.value for t in allowed.staff_types)} staff"
    return None


def plan_mover(repo: Repository, mover: Reassigned, today: dt.date) -> MoverReview:
    """The review for one mover: their entry, the removals of roles the new position may not hold, the questions."""
    record, old = mover.record, mover.old
    review = MoverReview(record.employee, record.name, old.position, record.position, old.staff_type.value,
                         record.staff_type)
    text = staff_text(repo)
    data = load(text)
    entry = next((e for e in data.get("staff") or [] if isinstance(e, CommentedMap)
                  and str(e.get("employee")) == record.employee), None)
    if entry is not None and update_entry(entry, record):
        review.files[STAFF_FILE] = dump(data, text)
    left = set(old.locations) - set(record.locations)
    for code, grants_record in sorted(repo.grants.items()):
        held = [g for g in grants_record.model.grants if g.employee == record.employee]
        if code in left or not held:
            continue
        review.location_names[code] = repo.location_name(code)
        doc = GrantsDocument(repo.root / grants_record.file, grants_record.file, location=code)
        going: list[str] = []
        for role_id in dict.fromkeys(role for grant in held for role in grant.roles):
            role = repo.roles.get(role_id)
            why = not_eligible(role, record.position, record.staff_type) if role is not None else None
            name = role.name if role is not None else role_id
            if why is not None:
                going.append(role_id)
                review.removals.append(Removal(code, grants_record.file, role_id, name, why))
            else:
                review.questions.append(Question(code, role_id, name))
        if going:
            review.changes.extend((grants_record.file, change) for change in doc.edit(record.employee, remove=going))
            review.files[grants_record.file] = doc.text()
        review.askers[code] = location_approvers(repo, code, today)
    return review
