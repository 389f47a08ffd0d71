"""Approvals: who must sign a change (from the base branch's data), and whether they have.

In the district's documents a request carries the signature of the right person: the principal for a
school's roles, a central office for its own, SPED Operations for SPED roles, the local district for a
principal's own access. Here that signature is a pull-request approval, and `rolebook approvals`
proves it was given. Reviewers always come from the base revision, so a change cannot appoint its own
approver. A change that only removes access needs one approval from the policy's removal approvers
(`narrowing`); a requirement that only its own authors or requesters could sign climbs the policy's
escalation chain instead of deadlocking (`gate`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class BadInput(Exception):
    """The gate was given something it cannot use (a missing ref, a malformed payload): exit code 2.

    Its message often quotes the payload or the pull request's data, and it is printed in the workflow's
    log: as text it is one line that the runner never reads as a workflow command (`log_line`)."""

    def __str__(self) -> str:
        from rolebook.output.report.github_annotations import log_line

        return log_line(super().__str__())


def read_json(path: Path, what: str) -> Any:
    """One JSON file the gate's commands are given (an event payload, a list of reviews), or BadInput."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the {what}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: the {what} is not valid JSON: {exc}") from exc
