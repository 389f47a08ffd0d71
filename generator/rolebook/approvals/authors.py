"""Who wrote a pull request's commits: everyone who did is an author for the gate.

"Nobody approves their own request": a principal who pushes a commit onto someone else's pull request
and then approves it would sign for their own work. Git records, for every commit between the base and
the head, an author and a committer (name and e-mail) and any `Co-authored-by:` trailers. None of them
is verified, so they are used in the one safe direction: to take approvers *out* (a forged name can only
keep someone from approving, never let anyone in).

An identity matches a login when the login is the e-mail's GitHub no-reply form
(`12345+login@users.noreply.github.com`), the e-mail's local part, or the name itself (case ignored).
"""

from __future__ import annotations

import re
from pathlib import Path

from rolebook.infra.git import git_text

_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_CO_AUTHOR = re.compile(r"^\s*co-authored-by:\s*(.*?)\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)
_FIELD, _RECORD = "\x1f", "\x1e"


def identities(name: str, email: str) -> set[str]:
    """The lowercase words a login would be known by in one Git identity."""
    found = {name.strip().lower()} if name.strip() else set()
    email = email.strip()
    if match := _NOREPLY.match(email):
        found.add(match.group(1).lower())
    elif "@" in email:
        found.add(email.split("@", 1)[0].lower())
    return found


def commit_identities(root: Path, base_sha: str, head_sha: str) -> frozenset[str]:
    """Authors, committers and co-authors of the commits in head but not in base, lowercase."""
    output = git_text(root, "log", f"--format=%an{_FIELD}%ae{_FIELD}%cn{_FIELD}%ce{_FIELD}%B{_RECORD}",
                      f"{base_sha}..{head_sha}", "--") or ""
    found: set[str] = set()
    for record in output.split(_RECORD):
        parts = record.strip("\n").split(_FIELD, 4)
        if len(parts) < 5:
            continue
        author_name, author_email, committer_name, committer_email, body = parts
        found |= identities(author_name, author_email) | identities(committer_name, committer_email)
        for co_name, co_email in _CO_AUTHOR.findall(body):
            found |= identities(co_name, co_email)
    return frozenset(found)
