"""A deterministic, seeded generator of synthetic school districts: the demo, the benchmark, the tests.

It writes an access repository's `access/` tree (district, groups, staff and one grants file per school
and office) whose grants fit the role catalog it reads with Rolebook's own loader: every role, school
level, quota, eligibility rule and extra approval comes from the catalog, so the data stays valid when
the catalog changes. It never writes `roles/`. The demo preset also writes each school's completed
access review and `.github/CODEOWNERS`, with Rolebook's own functions.

    python -m tools.synth --preset demo --out .            # the committed demo district
    python -m tools.synth --preset full --out /tmp/full
    python -m tools.synth --schools 20 --clusters 2 --offices 3 --staff 400 --seed 7 --out /tmp/d

The same parameters and catalog always give byte-identical files. The data is clean under the
district's policy as of `TODAY`: every grant holder is in the staff file with a processed HR record and
the grant's location among their HR locations; school roles are only in school files (at the levels
they apply to) and office roles only in office files; per-school quotas (minimum by level, maximum,
one per n students) hold at every school, and office quotas hold district-wide; every school has a
principal with a Git username; grants are active, started on or before `TODAY`, end more than 30 days
after it and last no longer than the security level allows; contractors' grants end with their
contract; roles that need SPED Operations' approval are only held in office files.

The parts, in the order they run: presets (parameters) -> catalog (the real models) -> places, people,
school_rosters, office_rosters, book (the grant gate) -> plan (the whole district) -> emit (YAML text)
-> derived (reviews, CODEOWNERS) -> write (`generate`) -> cli.
"""

from tools.synth.presets import PRESETS, REPO_ROOT, TODAY, Params
from tools.synth.write import Summary, generate

__all__ = ["PRESETS", "REPO_ROOT", "TODAY", "Params", "Summary", "generate"]
