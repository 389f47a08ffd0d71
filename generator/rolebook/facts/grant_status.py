"""A grant's status in the district's words: Active, Inactive, Locked or Suspended.

One function for every reader (the Security Audit Report page and downloads, the person lookup,
`rolebook access`, `rolebook who-has`), so that they never disagree. The district's report (000) knows
Active and Inactive ("an account with a past expiration date"); a grant locked or suspended in the data
says so, whatever its expiry, because that is the state an administrator set on purpose.
"""

from __future__ import annotations

import datetime as dt

from rolebook.model.files import GrantStatus

__all__ = ["ACTIVE", "INACTIVE", "LOCKED", "SUSPENDED", "gives_access", "status_label"]

ACTIVE = "Active"
INACTIVE = "Inactive"
LOCKED = "Locked"
SUSPENDED = "Suspended"

_SET_BY_HAND = {GrantStatus.locked: LOCKED, GrantStatus.suspended: SUSPENDED}


def status_label(status: GrantStatus, expires: dt.date | None, today: dt.date) -> str:
    """'Locked' or 'Suspended' as set in the data; otherwise 'Inactive' once past `expires`, else 'Active'.

    A grant expiring today still gives access today (the validator's `is_live` agrees).
    """
    if status in _SET_BY_HAND:
        return _SET_BY_HAND[status]
    return ACTIVE if expires is None or expires >= today else INACTIVE


def gives_access(status: GrantStatus, expires: dt.date | None, today: dt.date) -> bool:
    """True only for an Active grant: the one label that lets the person in."""
    return status_label(status, expires, today) == ACTIVE
