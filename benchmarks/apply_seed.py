"""What one `rolebook apply` from empty leaves on a SCIM server, written down without the server.

The benchmark needs a server holding the whole district; applying it takes about 16 minutes (one request
per user and per group). Instead the benchmark writes the same resources as a seed file for
`benchmarks.apply_server`, and the same record of the run (`refs/notes/rolebook-apply`, with the ids of
the users "created"), so Rolebook owns them exactly as after a real run.

Why this is the same thing, and not a shortcut that flatters the plan:
- the bodies are those `rolebook apply` POSTs (`apply.scim.ScimConnection.create_user/create_group`)
  for `apply.plan.desired_state`, which is what apply from empty creates;
- `tests/test_apply_scale.py` loads one server with a real `rolebook apply` and another with this seed,
  and compares their users, groups and members; and it plans against the seeded server: no change;
- the benchmark itself fails the full-plan step unless that plan reports no change.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

from rolebook.apply.evidence import head_commit, now, record
from rolebook.apply.plan import desired_state
from rolebook.apply.state import GROUP_MARKER, Desired
from rolebook.facts.applied import COMPLETE, ApplyRun, scim_target
from rolebook.loading import Repository

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
IDS = uuid.UUID("5f0c1d3e-7a9b-4c2d-8e6f-0a1b2c3d4e5f")  # the namespace of the seed's ids


def seed_id(kind: str, key: str) -> str:
    """A stable id, in the form scim2-server gives (32 hex digits)."""
    return uuid.uuid5(IDS, f"{kind}/{key}").hex


def seed_bodies(desired: Desired) -> dict[str, list[dict[str, Any]]]:
    """The POST bodies of an apply from empty, users first, each with the id it is to be stored under."""
    users: list[dict[str, Any]] = []
    for employee in sorted(desired.users):
        want = desired.users[employee]
        body: dict[str, Any] = {"id": seed_id("User", employee), "schemas": [USER_SCHEMA],
                                "externalId": want.employee, "userName": want.user_name}
        if want.given_name or want.family_name:
            body["name"] = {k: v for k, v in (("givenName", want.given_name), ("familyName", want.family_name))
                            if v is not None}
        body.update(displayName=want.display_name, active=want.active)
        users.append(body)
    groups: list[dict[str, Any]] = []
    for name in sorted(desired.groups):
        members = sorted(desired.groups[name].members)
        group: dict[str, Any] = {"id": seed_id("Group", name), "schemas": [GROUP_SCHEMA],
                                 "externalId": GROUP_MARKER + name, "displayName": name}
        if members:
            group["members"] = [{"value": seed_id("User", e)} for e in members]
        groups.append(group)
    return {"users": users, "groups": groups}


def district_seed(repo: Repository, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    return seed_bodies(desired_state(repo, today))


def record_seeded_run(root: Path, url: str, seed: dict[str, list[dict[str, Any]]]) -> str | None:
    """The note a complete apply from empty leaves on HEAD: Rolebook created every seeded user."""
    created = {str(u["externalId"]): str(u["id"]) for u in seed["users"]}
    members = sum(len(g.get("members", [])) for g in seed["groups"])
    stamp = now()
    counts = {"create_users": len(created), "update_users": 0, "deactivate_users": 0,
              "create_groups": len(seed["groups"]), "add_members": members, "remove_members": 0, "skipped": 0,
              "done": len(created) + len(seed["groups"]), "failed": 0, "not_attempted": 0}
    run = ApplyRun(target=scim_target(url), commit=head_commit(root), base=None, started=stamp, finished=stamp,
                   result=COMPLETE, counts=counts, created_users=created)
    return record(root, run)


def main(argv: list[str] | None = None) -> int:
    """python -m benchmarks.apply_seed REPO URL SEED_FILE: write the seed of REPO's HEAD, and record the
    run against URL (the server that will hold it)."""
    import json
    import sys

    from rolebook.loading import load_repository

    from tools import synth

    root, url, out = (sys.argv[1:] if argv is None else argv)[:3]
    today = dt.date.fromisoformat(os.environ.get("ROLEBOOK_TODAY") or synth.TODAY.isoformat())
    seed = district_seed(load_repository(Path(root)), today)
    Path(out).write_text(json.dumps(seed), encoding="utf-8")
    problem = record_seeded_run(Path(root), url, seed)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
