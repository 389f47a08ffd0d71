"""Record, in the grant a request writes, that its holder accepted the responsible-use policy.

The access-request form has a tick for it; `rolebook request --accepts-responsible-use` is the same for
a Git user. The acceptance is written into the person's grant at the location as `accepted_use`: which
version of `responsible_use` in roles/policy.yaml (the one in force when the request is made), the day,
who accepted (the holder's employee number) and where it was recorded (the form's issue, `#42`). The
validator (RB802, RB803) checks it for the roles the policy requires it for.
"""

from __future__ import annotations

import datetime as dt

from ruamel.yaml.comments import CommentedMap

from rolebook.infra.yamledit import GrantsDocument, quoted
from rolebook.loading import Repository
from rolebook.model.files import AcceptedUse
from rolebook.requests import RequestError
from rolebook.requests.change import Change


def acceptance(repo: Repository, employee: str, today: dt.date, via: str | None) -> AcceptedUse:
    """The acceptance of the policy's current version by `employee`; a RequestError when there is none."""
    version = repo.policy.responsible_use.version
    if version is None:
        raise RequestError("roles/policy.yaml sets no responsible_use.version, so there is no policy to "
                           "accept; add the block (version, url) or leave out --accepts-responsible-use")
    return AcceptedUse(version=version, accepted_on=today, by=employee, via=via)


def record_acceptance(change: Change, employee: str, accepted: AcceptedUse) -> None:
    """Write `accepted` into the grant of `employee` that the request added roles to (or appended)."""
    for document in change.documents:
        if not isinstance(document, GrantsDocument):
            continue
        index = document.location_grant(employee)
        if index is None:
            continue
        entry = CommentedMap()
        entry["version"] = quoted(accepted.version)
        entry["accepted_on"] = accepted.accepted_on
        entry["by"] = quoted(accepted.by)
        if accepted.via:
            entry["via"] = quoted(accepted.via)
        document.grants[index]["accepted_use"] = entry
        # Said in the commit too: the history shows the acceptance beside the request it came with.
        where = f" via {accepted.via}" if accepted.via else ""
        change.body = (f"{change.body.rstrip()}\n\nResponsible use: version {accepted.version} accepted by "
                       f"{accepted.by} on {accepted.accepted_on}{where}.")
        return
    raise RequestError(f"the request has no grant of {employee} to record the acceptance in")
