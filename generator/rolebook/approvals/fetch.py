"""Fetch the verdicts on a pull request (GitHub's pull-request reviews) and the accounts of its commits
from the GitHub REST API (online only; the offline path reads files and Git).

GET {GITHUB_API_URL}/repos/{owner}/{repo}/pulls/{number}/reviews and .../commits, 100 per page, following
the Link header's rel="next". Kept apart so that everything else stays testable without a network.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from rolebook.approvals import BadInput

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
MAX_PAGES = 30


def _pages(api_url: str, repository: str, path: str, token: str, what: str) -> list[Any]:
    """Every item of a paginated list endpoint, following rel="next" on the API host only."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise BadInput(f"not a repository name: {repository!r}")
    if not api_url.startswith("https://"):
        raise BadInput(f"GITHUB_API_URL must be https: {api_url!r}")
    url: str | None = f"{api_url.rstrip('/')}/repos/{repository}/{path}?per_page=100"
    collected: list[Any] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        request = urllib.request.Request(url, headers={  # noqa: S310 - https only, checked above
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "rolebook-approvals",
        })
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                page = json.loads(response.read().decode("utf-8"))
                link = response.headers.get("Link", "")
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            raise BadInput(f"could not fetch the {what}: {exc}") from exc
        if not isinstance(page, list):
            raise BadInput(f"unexpected answer from {url}: not a list of {what}")
        collected.extend(page)
        found = _NEXT.search(link)
        url = found.group(1) if found else None
        if url is not None and not url.startswith(api_url.rstrip("/")):
            raise BadInput(f"refusing to follow a pagination link off the API host: {url}")
    return collected


def fetch_pr_verdicts(api_url: str, repository: str, number: int, token: str) -> list[Any]:
    return _pages(api_url, repository, f"pulls/{number}/reviews", token, f"reviews of pull request #{number}")


def fetch_pr_commit_logins(api_url: str, repository: str, number: int, token: str) -> set[str]:
    """The accounts GitHub matched to the pull request's commits (author and committer of each): authors
    for the gate, as GitHub itself knows them, beside what Git's own record says."""
    commits = _pages(api_url, repository, f"pulls/{number}/commits", token, f"commits of pull request #{number}")
    return commit_logins(commits)


def commit_logins(commits: list[Any]) -> set[str]:
    """Lowercase logins of a REST "list commits on a pull request" answer (`author`/`committer` may be null)."""
    found: set[str] = set()
    for commit in commits:
        for role in ("author", "committer"):
            account = commit.get(role) if isinstance(commit, dict) else None
            login = account.get("login") if isinstance(account, dict) else None
            if isinstance(login, str) and login:
                found.add(login.lower())
    return found
