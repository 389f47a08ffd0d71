"""A real Git history for the as-of tests: commits on several dates (GIT_COMMITTER_DATE), a `--no-ff` pull
request merge with its approval recorded as a note, a removal committed late on a day in a time zone east
of UTC, and a status change merged as a squash. Shared by tests/test_as_of.py and tests/test_as_of_site.py.

    2026-01-10 10:00Z  Import the access data                       (before Rolebook)
    2026-02-05 15:00Z  Merge pull request #41 from org/counselor    counselor 20000002 at school 100,
                                                                    approved by pat-park (recorded note)
    2026-03-11 00:30+01:00 = 2026-03-10 23:30Z  teacher 10000003 removed from school 100 (direct commit)
    2026-03-20 10:00Z  Access review of Maple, 2026-H1 (#42)        reviewed_on 2026-03-15
    2026-04-20 09:00Z  Lock the principal of Oak High (#43)         20000001 at 200: status locked
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import make_mini_repo

SCHOOL_100 = "access/schools/100/grants.yaml"
SCHOOL_200 = "access/schools/200/grants.yaml"
REVIEW_FILE = "access/schools/100/reviews/2026-H1.yaml"
COUNSELOR_GRANT = """
  - employee: "20000002"
    roles: [counselor]
    granted: 2026-02-01
    expires: 2027-07-31
    reason: Counselor shared with Oak High
"""
TEACHER_GRANT = """  - employee: "10000003"
    roles: [teacher]
    granted: 2026-08-01
    expires: 2027-07-31
"""


def dated_git(root: Path, when: str, *args: str, author_when: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": author_when or when, "GIT_COMMITTER_DATE": when}
    result = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env)
    return result.stdout.strip()


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def build_history(root: Path) -> Path:
    make_mini_repo(root)
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    env_date = "2026-01-10T10:00:00Z"
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    for key, value in (("user.name", "Test Runner"), ("user.email", "runner@example.org"),
                       ("commit.gpgsign", "false")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    dated_git(root, env_date, "add", "-A")
    dated_git(root, env_date, "commit", "-q", "-m", "Import the access data")

    # A pull request, merged with GitHub's merge commit; written days before it was merged.
    dated_git(root, "2026-02-01T09:00:00Z", "switch", "-q", "-c", "counselor")
    with (root / SCHOOL_100).open("a", encoding="utf-8") as handle:
        handle.write(COUNSELOR_GRANT.lstrip("\n"))
    dated_git(root, "2026-02-01T09:00:00Z", "commit", "-q", "-am", "Counselor at Maple")
    head = dated_git(root, "2026-02-01T09:00:00Z", "rev-parse", "HEAD")
    dated_git(root, "2026-02-05T15:00:00Z", "switch", "-q", "main")
    dated_git(root, "2026-02-05T15:00:00Z", "merge", "-q", "--no-ff", "counselor",
              "-m", "Merge pull request #41 from org/counselor")
    merge = dated_git(root, "2026-02-05T15:00:00Z", "rev-parse", "HEAD")
    note = {"version": 1, "pr": 41, "base": dated_git(root, "2026-02-05T15:00:00Z", "rev-parse", "HEAD^1"),
            "head": head, "merge_commit": merge, "merged_at": "2026-02-05T15:00:00Z",
            "approvals": [{"login": "pat-park", "employee": "10000001", "name": "Pat Park", "commit_id": head,
                           "submitted_at": "2026-02-04T16:20:00Z", "review_id": 8001}],
            "not_counted": []}
    dated_git(root, "2026-02-05T15:00:00Z", "notes", "--ref", "refs/notes/rolebook-approvals", "add",
              "-m", json.dumps(note), merge)

    # A removal, committed at 00:30 in UTC+1: 23:30 UTC the day before.
    _edit(root, SCHOOL_100, TEACHER_GRANT, "")
    dated_git(root, "2026-03-11T00:30:00+01:00", "commit", "-q", "-am", "Remove the teacher who left")

    # The school's access review, merged later than the day it was held.
    (root / REVIEW_FILE).parent.mkdir(parents=True)
    (root / REVIEW_FILE).write_text('school: "100"\nperiod: 2026-H1\nstatus: open\nreviewed_on: 2026-03-15\n',
                                    encoding="utf-8")
    dated_git(root, "2026-03-20T10:00:00Z", "add", REVIEW_FILE)
    dated_git(root, "2026-03-20T10:00:00Z", "commit", "-q", "-m", "Access review of Maple, 2026-H1 (#42)")

    # A status change, merged as a squash.
    _edit(root, SCHOOL_200, 'roles: [principal]\n    granted: 2026-08-01\n    expires: 2027-07-31\n',
          'roles: [principal]\n    granted: 2026-08-01\n    expires: 2027-07-31\n    status: locked\n')
    dated_git(root, "2026-04-20T09:00:00Z", "commit", "-q", "-am", "Lock the principal of Oak High (#43)")
    return root
