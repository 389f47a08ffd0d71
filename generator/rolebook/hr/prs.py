"""A new branch per nightly run; never a push to the branch of an open pull request.

Approvals count on a PR's head commit only, so a run that pushed its new leavers onto last night's
open PR would void every approval given there. Each run therefore puts what is new on a branch of its
own (`hr/leavers-YYYY-MM-DD`, `-2`, `-3`... when taken) and leaves everyone an open removal PR holds
to that PR (`rolebook.facts.removal_marker`, read from GitHub's REST list of open pull requests).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rolebook.facts import removal_marker
from rolebook.infra.git import git_text

BRANCH_PREFIX = "hr/leavers-"


def taken_branches(root: Path, open_prs: list[removal_marker.OpenPR]) -> set[str]:
    """Branch names in use: local branches, remote-tracking branches (a fetched origin) and open PRs' heads."""
    names = {pr.head_ref for pr in open_prs}
    listing = git_text(root, "for-each-ref", "--format=%(refname)", "refs/heads/", "refs/remotes/") or ""
    for ref in listing.split():
        if ref.startswith("refs/heads/"):
            names.add(ref.removeprefix("refs/heads/"))
        elif ref.startswith("refs/remotes/"):
            names.add(ref.removeprefix("refs/remotes/").partition("/")[2])
    return names


def new_branch(day: dt.date, taken: set[str], prefix: str = BRANCH_PREFIX) -> str:
    """`hr/leavers-DAY` (or another prefix), or `-2`, `-3`... when a branch or open PR already has that name."""
    wanted = f"{prefix}{day.isoformat()}"
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"
