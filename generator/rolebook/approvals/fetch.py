"""Fetch a pull request's reviews from the GitHub REST API (online only; the offline path reads files).

GET {GITHUB_API_URL}/repos/{owner}/{repo}/pulls/{number}/reviews, 100 per page, following the Link
header's rel="next". Kept apart so that everything else stays testable without a network.
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


def fetch_reviews(api_url: str, repository: str, number: int, token: str) -> list[Any]:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise BadInput(f"not a repository name: {repository!r}")
    if not api_url.startswith("https://"):
        raise BadInput(f"GITHUB_API_URL must be https: {api_url!r}")
    url: str | None = f"{api_url.rstrip('/')}/repos/{repository}/pulls/{number}/reviews?per_page=100"
    reviews: list[Any] = []
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
            raise BadInput(f"could not fetch the reviews of pull request #{number}: {exc}") from exc
        if not isinstance(page, list):
            raise BadInput(f"unexpected answer from {url}: not a list of reviews")
        reviews.extend(page)
        found = _NEXT.search(link)
        url = found.group(1) if found else None
        if url is not None and not url.startswith(api_url.rstrip("/")):
            raise BadInput(f"refusing to follow a pagination link off the API host: {url}")
    return reviews
