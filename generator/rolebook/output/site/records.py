"""Records that other commands keep beside the grants: access reviews and the MIS login export.

Both are read defensively: a folder that is missing, or a file in a shape this build does not know,
shows as "no review on record" or "—" on the audit page instead of failing the build.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOGIN_FILES = ("access/logins.csv", "access/logins/logins.csv", "access/logins/last-logins.csv")
EMPLOYEE_COLUMNS = ("employee", "employee_number", "employee number", "staff number", "staff_number")
LOGIN_COLUMNS = ("last_login", "last login", "last_login_date", "last login date", "last_logged_in")
ROLE_COLUMNS = ("role", "user_role", "user role")
REVIEW_DATE_KEYS = ("completed", "completed_on", "decided", "decided_on", "closed", "date", "reviewed_on",
                    "opened")
REVIEWER_KEYS = ("reviewer", "reviewed_by", "approved_by", "principal")


@dataclass(frozen=True)
class Review:
    period: str
    file: str
    date: dt.date | None
    reviewer: str | None

    @property
    def label(self) -> str:
        when = f", {self.date.isoformat()}" if self.date else ""
        return f"{self.period}{when}"


def last_review(root: Path, location_dir: str) -> Review | None:
    """The latest review of a location, from `access/<kind>/<code>/reviews/<period>.yaml`."""
    folder = root / location_dir / "reviews"
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    if not files:
        return None
    latest = files[-1]
    data: Any
    try:
        data = yaml.safe_load(latest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    data = data if isinstance(data, dict) else {}
    period = str(data.get("period") or latest.stem)
    return Review(period=period, file=latest.relative_to(root).as_posix(), date=_first_date(data),
                  reviewer=_first_text(data, REVIEWER_KEYS))


def review_due(review: Review | None, interval_months: int, today: dt.date) -> dt.date | None:
    """When the next review was due; None when it is not due yet."""
    if review is None:
        return today
    done = review.date or _period_end(review.period)
    if done is None:
        return None
    month = done.month - 1 + interval_months
    due = dt.date(done.year + month // 12, month % 12 + 1, 1)
    return due if due <= today else None


def last_logins(root: Path) -> dict[str, dt.date]:
    """Last login per employee from the MIS login export (`rolebook logins import`), if there is one."""
    for relative in LOGIN_FILES:
        path = root / relative
        if path.is_file():
            return _read_logins(path)
    return {}


def _read_logins(path: Path) -> dict[str, dt.date]:
    found: dict[str, dt.date] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
            employee_col = next((columns[c] for c in EMPLOYEE_COLUMNS if c in columns), None)
            login_col = next((columns[c] for c in LOGIN_COLUMNS if c in columns), None)
            if employee_col is None or login_col is None:
                return {}
            for row in reader:
                employee = (row.get(employee_col) or "").strip()
                when = _date((row.get(login_col) or "").strip()[:10])
                if employee and when and (employee not in found or when > found[employee]):
                    found[employee] = when
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return found


def _first_date(data: dict[str, Any]) -> dt.date | None:
    for key in REVIEW_DATE_KEYS:
        value = data.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and (parsed := _date(value[:10])):
            return parsed
    return None


def _first_text(data: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def _period_end(period: str) -> dt.date | None:
    """'2026-H1' -> 2026-06-30, '2026-07' -> 2026-07-01: when a review of that period was done at the latest."""
    if match := re.fullmatch(r"(\d{4})-H([12])", period):
        year, half = int(match.group(1)), int(match.group(2))
        return dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
    if match := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return _date(f"{period}-01")
    return _date(period[:10])


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
