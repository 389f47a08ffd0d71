"""Requests as changes: request, revoke, transfer and offboard edit grants files and make a commit.

Every command checks its inputs against the repository before it touches a file, edits YAML
round-trip (comments, order and quoting survive), and records the request in the commit message
with trailers (Requested-by, Employee, Role, Location, Reason), ready to open as a pull request.
"""

from __future__ import annotations


class RequestError(Exception):
    """An input the repository does not know, or a change that cannot be made: exit code 2."""
