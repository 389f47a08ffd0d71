"""Who wrote a pull request's commits, and for whom: everyone who did is an author for the gate.

"Nobody approves their own request": a principal who pushes a commit onto someone else's pull request
and then approves it would sign for their own work. Git records, for every commit between the base and
the head, an author and a committer (name and e-mail) and any `Co-authored-by:` trailers. A pull request
that automation opened on someone's behalf (the access-request form, `rolebook request`) names that
person in a `Requested-by:` trailer of its commits and a `Requested-by: @login` line of its body: the
requester is an author too. None of this is verified, so it is used in the one safe direction: to take
approvers *out* (a forged name can only keep someone from approving, never let anyone in).

An identity matches a login when the login is the e-mail's GitHub no-reply form
(`12345+login@users.noreply.github.com`), the e-mail's local part, or the name itself (case ignored);
the whole e-mail is kept too, for the gate to match against the staff directory's `email`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rolebook.infra.git import git_text

_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_CO_AUTHOR = re.compile(r"^\s*co-authored-by:\s*(.*?)\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)
_REQUESTED_BY = re.compile(r"^[ \t>*-]*requested-by:[ \t]*(.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_NAME_AND_EMAIL = re.compile(r"^(.*?)\s*<([^>]*)>$")
_MENTION = re.compile(r"@([A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?)")
_UNKNOWN = "(unknown)"  # what `rolebook request` writes when it knows nobody
_FIELD, _RECORD = "\x1f", "\x1e"


def identities(name: str, email: str) -> set[str]:
    """The lowercase words a login would be known by in one Git identity (and the whole e-mail)."""
    found = {name.strip().lower()} if name.strip() else set()
    email = email.strip()
    if match := _NOREPLY.match(email):
        found.add(match.group(1).lower())
    elif "@" in email:
        found.add(email.split("@", 1)[0].lower())
        found.add(email.lower())
    return found


def requester_identities(value: str) -> set[str]:
    """The words of one `Requested-by:` value: `@login` (or several), `login`, `Name <e-mail>` or an e-mail."""
    value = value.strip()
    if not value or value.lower() == _UNKNOWN:
        return set()
    if match := _NAME_AND_EMAIL.match(value):
        return identities(match.group(1), match.group(2))
    if value.startswith("@"):  # "@login", or several: "@login, @other"
        return {login.lower() for login in _MENTION.findall(value)}
    if "@" in value and " " not in value:
        return identities("", value)
    return {value.lower()}


def requesters_in(text: str) -> set[str]:
    """Every requester a commit message or a pull request body names (`Requested-by:` lines)."""
    found: set[str] = set()
    for value in _REQUESTED_BY.findall(text or ""):
        found |= requester_identities(value)
    return found


@dataclass(frozen=True, slots=True)
class CommitPeople:
    """Who made the pull request's commits, and for whom they say they were made."""

    authors: frozenset[str]  # authors, committers and co-authors
    requesters: frozenset[str]  # `Requested-by:` trailers


def commit_people(root: Path, base_sha: str, head_sha: str) -> CommitPeople:
    """Authors, committers, co-authors and requesters of the commits in head but not in base, lowercase."""
    output = git_text(root, "log", f"--format=%an{_FIELD}%ae{_FIELD}%cn{_FIELD}%ce{_FIELD}%B{_RECORD}",
                      f"{base_sha}..{head_sha}", "--") or ""
    authors: set[str] = set()
    requesters: set[str] = set()
    for record in output.split(_RECORD):
        parts = record.strip("\n").split(_FIELD, 4)
        if len(parts) < 5:
            continue
        author_name, author_email, committer_name, committer_email, body = parts
        authors |= identities(author_name, author_email) | identities(committer_name, committer_email)
        for co_name, co_email in _CO_AUTHOR.findall(body):
            authors |= identities(co_name, co_email)
        requesters |= requesters_in(body)
    return CommitPeople(frozenset(authors), frozenset(requesters))


def commit_identities(root: Path, base_sha: str, head_sha: str) -> frozenset[str]:
    """Authors, committers and co-authors of the commits in head but not in base, lowercase."""
    return commit_people(root, base_sha, head_sha).authors
