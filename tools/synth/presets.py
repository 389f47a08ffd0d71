"""What a generated district looks like: its parameters, the named presets, and the day it is valid on.

Every date and share the generator uses is here, so the demo, the benchmark and the tests agree on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # this checkout: its roles/ are the default catalog
TODAY = dt.date(2026, 11, 23)  # the data is clean under the policy as of this day
GRANTED_FROM = dt.date(2026, 7, 1)
GRANTED_TO = dt.date(2026, 10, 15)
EXPIRES = (dt.date(2027, 6, 30), dt.date(2027, 7, 31))
CONTRACT_END = dt.date(2027, 6, 30)
ORGANISATION_TYPES = ("school-district",)

CERT = "certificated"
CLASS = "classified"

# Shares of the staff budget (the rest, after the fixed roster of each school and office, are teachers).
OFFICE_SHARE = 0.03  # central and local district office staff
NON_GRANT_SHARE = 0.08  # custodians, aides, cafeteria workers: in the HR export, no student-records access
ITINERANT_SHARE = 0.22  # substitutes, nurses, psychologists, ... who serve several schools each


@dataclass(frozen=True)
class Params:
    """One district: its size, its seed, and which records beyond the grants to write."""

    schools: int = 12
    clusters: int = 3
    offices: int = 9
    staff: int = 400
    seed: int = 2026
    roles_from: Path | None = None  # the repository whose roles/ the data fits (default: this checkout)
    organisation: str = "Riverside Unified School District"
    min_enrollment: int = 150
    max_enrollment: int = 4000
    level_mix: tuple[int, int, int, int] | None = None  # elementary, middle, high, span
    itinerant_share: float = ITINERANT_SHARE
    # A completed access review of every school for this period (None: no review files), and the day
    # it was completed. Written with Rolebook's own review functions, as `rolebook review` would.
    review_period: str | None = None
    reviewed_on: dt.date | None = None
    codeowners: bool = False  # write .github/CODEOWNERS with `rolebook codeowners`' own generator


PRESETS: dict[str, Params] = {
    "demo": Params(schools=12, clusters=3, offices=11, staff=450, seed=2026, min_enrollment=200,
                   max_enrollment=3000, level_mix=(6, 2, 3, 1), itinerant_share=0.08,
                   review_period="2026-H2", reviewed_on=dt.date(2026, 9, 18), codeowners=True),
    "full": Params(schools=1000, clusters=10, offices=20, staff=75_000, seed=1000),
    # The largest district's scale (about 1,800 schools and 150,000 employees), with room to spare.
    "full2000": Params(schools=2000, clusters=20, offices=40, staff=150_000, seed=2000),
}
