"""A history read that continues an earlier cached read is the history a full read gives.

A real Git repository is changed step by step in a random order: grants added and removed by direct
commits, pull requests merged with `--no-ff` and as squashes, a commit outside access/, an approval
recorded as a note on an old merge, main rewritten (its old HEAD no longer on the mainline), and a side
branch that merged main made main (the old HEAD reachable only through a second parent). After each step
the history read with the cache must equal the one read from nothing, commit by commit; a step that only
added commits on the mainline must have been read on from the last read, and a step that left the last
read off the mainline must not have been.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import git_init, make_mini_repo
from rolebook.facts import history as history_module
from rolebook.facts.history import History, read_history

SCHOOL = "access/schools/100/grants.yaml"
OTHER_SCHOOL = "access/schools/200/grants.yaml"


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.clock = 0
        self.number = 20000100
        self.pr = 100

    def git(self, *args: str) -> str:
        self.clock += 1
        when = f"2026-03-{1 + self.clock // 24:02d}T{self.clock % 24:02d}:00:00Z"
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        done = subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True, env=env)
        return done.stdout.strip()

    def add_grant(self, file: str = SCHOOL) -> str:
        self.number += 1
        with (self.root / file).open("a", encoding="utf-8") as handle:
            handle.write(f'  - employee: "{self.number}"\n    roles: [teacher]\n    granted: 2026-03-01\n'
                         f'    expires: 2027-07-31\n')
        return str(self.number)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def direct_grant(repo: Repo) -> bool:
    repo.add_grant()
    repo.commit("A grant, straight to main")
    return True


def remove_grant(repo: Repo) -> bool:
    path = repo.root / SCHOOL
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("\n  - employee:")
    path.write_text(head + ("\n  - employee:" + rest.partition("\n  - employee:")[2] if rest else ""),
                    encoding="utf-8")
    repo.commit("The first grant removed")
    return True


def merged_pull_request(repo: Repo) -> bool:
    repo.pr += 1
    repo.git("switch", "-q", "-c", f"request-{repo.pr}")
    repo.add_grant()
    repo.commit(f"Request {repo.pr}")
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--no-ff", f"request-{repo.pr}", "-m", f"Merge pull request #{repo.pr} from org/x")
    return True


def squash(repo: Repo) -> bool:
    repo.pr += 1
    repo.add_grant()
    repo.commit(f"A squashed request (#{repo.pr})")
    return True


def outside_access(repo: Repo) -> bool:
    (repo.root / "NOTES.txt").write_text(f"{repo.clock}\n", encoding="utf-8")
    repo.commit("Not about access")
    return True


def approval_note(repo: Repo) -> bool:
    """The approvals of the oldest merge, recorded now: HEAD is the same, the notes are new."""
    merges = repo.git("log", "--merges", "--grep=^Merge pull request", "--format=%H %s").splitlines()
    if not merges:
        return direct_grant(repo)
    sha, _, subject = merges[-1].partition(" ")
    number = int(subject.split("#")[1].split()[0])
    note = {"version": 1, "pr": number, "base": repo.git("rev-parse", f"{sha}^1"), "head": repo.git("rev-parse", f"{sha}^2"),
            "merge_commit": sha, "merged_at": "2026-03-01T10:00:00Z",
            "approvals": [{"login": "pat-park", "employee": "10000001", "name": "Pat Park",
                           "commit_id": repo.git("rev-parse", f"{sha}^2"), "submitted_at": "2026-03-01T09:00:00Z",
                           "review_id": repo.clock}], "not_counted": []}
    repo.git("notes", "--ref", "refs/notes/rolebook-approvals", "add", "-f", "-m", json.dumps(note), sha)
    return True


def rewritten_main(repo: Repo) -> bool:
    if len(repo.git("rev-list", "HEAD").split()) < 2:
        return direct_grant(repo)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.add_grant()
    repo.commit("Main rewritten")
    return False


def side_branch_made_main(repo: Repo) -> bool:
    """A branch from an older commit merges main, and main is moved to it: the old HEAD is a second parent."""
    if len(repo.git("rev-list", "HEAD").split()) < 2:
        return direct_grant(repo)
    repo.git("switch", "-q", "-c", f"side-{repo.clock}", "HEAD~1")
    repo.add_grant(OTHER_SCHOOL)
    repo.commit("Work on a side branch")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "Merge main into the side branch")
    repo.git("branch", "-q", "-f", "main", "HEAD")
    repo.git("switch", "-q", "main")
    return False


STEPS: list[Callable[[Repo], bool]] = [direct_grant, remove_grant, merged_pull_request, squash, outside_access,
                                       approval_note, rewritten_main, side_branch_made_main]


def facts(found: History) -> list[dict[str, Any]]:
    return [{**commit.to_cache(), "before_rolebook": commit.before_rolebook} for commit in found.commits]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_read_continued_from_an_earlier_one_equals_a_full_read(tmp_path: Path, seed: int,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_mini_repo(tmp_path / "repo")
    git_init(root)
    repo = Repo(root)
    cache = tmp_path / "cache"
    ranges: list[str] = []
    real_git_text = history_module.git_text

    def recording(where: Path, *args: str) -> str | None:
        if args[:1] == ("log",):
            ranges.append(next(a for a in args if a == "HEAD" or a.endswith("..HEAD")))
        return real_git_text(where, *args)

    monkeypatch.setattr(history_module, "git_text", recording)
    assert facts(read_history(root, cache)) == facts(read_history(root))
    steps = [step for step in STEPS for _ in range(3)]
    random.Random(seed).shuffle(steps)
    for step in steps:
        earlier_head = repo.git("rev-parse", "HEAD")
        continues = step(repo)
        ranges.clear()
        continued = read_history(root, cache)
        used = ranges[0] if ranges else "cache"
        assert facts(continued) == facts(read_history(root)), step.__name__
        if continues and step is not approval_note:
            assert used == f"{earlier_head}..HEAD", step.__name__
        elif step is approval_note:
            assert used in (f"{earlier_head}..HEAD", "cache"), step.__name__
        else:  # the last read is not on the mainline now: read whole, or from an older read that is
            assert used != f"{earlier_head}..HEAD", step.__name__
    assert len(list(cache.iterdir())) <= history_module.KEPT_READS


def test_a_damaged_earlier_read_is_not_continued(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo")
    git_init(root)
    repo = Repo(root)
    cache = tmp_path / "cache"
    read_history(root, cache)
    for path in cache.iterdir():
        path.write_text('{"version": 3, "commits": [{"sha": 1}]}', encoding="utf-8")
    direct_grant(repo)
    assert facts(read_history(root, cache)) == facts(read_history(root))
