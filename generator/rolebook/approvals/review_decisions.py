"""Who decided an access review, checked: everyone a review file names as deciding must approve it.

`decided_by` and `reviewer` are text anyone can write; the evidence that holds is GitHub's approval.
For a pull request that adds or changes `access/{schools,offices}/*/reviews/*.yaml` and leaves it
`submitted` or `completed`, the file is read from the head revision (and from where the pull request
started, if it was there), and:

- the deciders are its `reviewer` and the `decided_by` of every item whose decision is new or differs
  (every decided item when the file is new); an item without `decided_by` is the reviewer's;
- each decider must be a designated reviewer of the school (or office: its approver group, and the
  level above it) in the base's data (`facts.reviewers.designated_reviewers`): else the gate refuses,
  and says why;
- nobody decides an item about themselves (their login is the item's employee's in the base's staff
  directory): refused too, since the cluster's approvers decide a reviewer's own items;
- each decider's latest verdict must be an approval of the head commit. The pull request's author never
  counts: on GitHub that is the automation app that committed the principal's ticks, or whoever opened it.

A review file left `open` is a draft, and changes to it are signed as any other file's (the access
administrators). The revisions are loaded whole for a review (`approvals.revisions`): the designated
reviewers depend on grants anywhere that reach the school.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rolebook.approvals import BadInput
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import designated_reviewers, is_office, login_index
from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, is_review_file
from rolebook.model.review import ReviewItem

MAX_LISTED_ITEMS = 12
_Key = tuple[str, tuple[str, ...], str]


@dataclass
class Decider:
    """One person a review file names as deciding, what they decided, and why they may not sign (if so)."""

    login: str
    file: str
    school: str
    items: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _key(item: ReviewItem) -> _Key:
    return (item.employee, tuple(item.roles), item.via)


def _decision(item: ReviewItem) -> tuple[object, ...]:
    return (item.decision, tuple(item.change_to or ()), (item.decided_by or "").lower())


def _loaded(repo: Repository, path: str) -> LoadedReview | None:
    """The review file at `path` in this revision, or None when the revision has none."""
    reviews = repo.reviews
    for error in reviews.errors:
        if error.file == path:
            raise BadInput(f"the review file cannot be read: {error.format()}")
    return next((review for review in reviews.reviews if review.file == path), None)


def changed_reviews(changed_files: list[str]) -> list[str]:
    return [path for path in changed_files if is_review_file(path)]


def decided_reviews(start: Repository, head: Repository, changed_files: list[str]) -> list[
        tuple[LoadedReview, LoadedReview | None]]:
    """(head, earlier) of each changed review file the head leaves submitted or completed."""
    found = []
    for path in changed_reviews(changed_files):
        now = _loaded(head, path)
        if now is not None and now.model.status.must_be_complete:
            found.append((now, _loaded(start, path)))
    return found


def _describe(repo: Repository, item: ReviewItem) -> str:
    member = repo.staff.get(item.employee)
    person = member.display_name if member else f"employee {item.employee}"
    decision = item.decision.value if item.decision else "undecided"
    if item.change_to:
        decision += " (to " + ", ".join(item.change_to) + ")"
    return f"{decision} {person}'s {', '.join(item.roles)}"


def deciders(base: Repository, now: LoadedReview, earlier: LoadedReview | None) -> list[Decider]:
    """Everyone `now` names as deciding, against the base's data; the reviewer first."""
    review = now.model
    before = {_key(item): _decision(item) for item in earlier.model.items} if earlier is not None else {}
    school = base.location_name(review.school)
    designated = designated_reviewers(base, review.school, effective_access(base))
    logins = login_index(base)
    found: dict[str, Decider] = {}
    office = is_office(base, review.school)
    whose = ("its approver group and the level above it: its local district's approvers, else the access "
             "administrators") if office else "its approver-role holders and its local district's approvers group"
    above = "the level above the office's approvers" if office else "the local district's approvers"

    def decider(login: str) -> Decider:
        key = login.lower()
        if key not in found:
            found[key] = Decider(login, now.file, review.school)
            if key not in designated:
                found[key].refused.append(
                    f"`{login}` is named as deciding in `{now.file}` but is not a designated reviewer of "
                    f"{school} in the base's data ({whose})")
        return found[key]

    if review.reviewer:
        decider(review.reviewer)
    for item in review.items:
        if item.decision is None or before.get(_key(item)) == _decision(item):
            continue
        login = item.decided_by or review.reviewer
        if not login:
            raise BadInput(f"{now.file}:{now.line_of('items', review.items.index(item))}: a decided item names "
                           "nobody as deciding: set reviewer (or the item's decided_by) to a Git username")
        one = decider(login)
        one.items.append(_describe(base, item))
        if logins.get(login.lower()) == item.employee:
            one.refused.append(
                f"`{login}` decides on their own access in `{now.file}` ({_describe(base, item)}): nobody "
                f"decides on their own access; {above} decide it (decided_by)")
    return list(found.values())
