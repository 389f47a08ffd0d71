"""The "Access on past dates" pages kept from the last build are the pages made from nothing.

A real dated history (tests/as_of_history.py), its last date the end of May, is changed step by step in a
random order in June, as a republish after a merge sees it: a grant merged at one school, an approval recorded as a Git note after the merge, a person renamed, a role renamed, an
office's wide grant, an access review, a location renamed, the date moved on. After each step the pages
are written twice, reusing the cache the earlier steps left and from nothing: they must be equal byte for
byte, and the reusing build must have worked out anew only the pages the step changed. Last, a merge dated
before the last date shown: a new commit in force at that date on every page, new rows on one.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from as_of_history import SCHOOL_200, build_history, dated_git
from rolebook.facts.as_of_timeline import Timelines
from rolebook.facts.history import read_history
from rolebook.infra.result_cache import Artifacts
from rolebook.loading import load_repository
from rolebook.output.site import as_of_pages
from rolebook.output.site.as_of_pages import BY_COMMITS, cache_names, write_as_of_pages
from rolebook.output.site.generate import environment

TODAY = dt.date(2026, 6, 10)
COMMON: dict[str, Any] = {"repo_url": "https://github.com/org/access", "kind": "internal", "site_name": "Test"}
ITD = "access/offices/ITD/grants.yaml"


class Collected:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, relative: str, text: str | bytes) -> None:
        self.files[relative] = text.encode() if isinstance(text, str) else text


def pages(root: Path, today: dt.date, kept: Artifacts | None) -> dict[str, bytes]:
    out = Collected()
    write_as_of_pages(environment(), out, load_repository(root), read_history(root), today, COMMON, kept)
    return out.files


def entries(cache: Path) -> dict[str, int]:
    """The pages' entries (not their by-commits keys), with when each was written."""
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if not p.name.endswith(BY_COMMITS)}


def rows_of(cache: Path, name: str) -> list[bytes]:
    """What a page's entry keeps of its rows (their dates and spans, digest and HTML), not the page around."""
    digest = (cache / name).read_bytes().split(b"\n")[1].decode()
    parts = Artifacts(cache).get(name, digest)
    assert parts is not None
    return parts[:3]


def keys(cache: Path) -> dict[str, int]:
    """The by-commits keys, with when each was written."""
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name.endswith(BY_COMMITS)}


def commit(root: Path, when: str, relative: str, change: Callable[[str], str], message: str) -> str:
    path = root / relative
    before = path.read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    after = change(before)
    assert after != before, relative
    path.write_text(after, encoding="utf-8")
    dated_git(root, when, "add", relative)
    dated_git(root, when, "commit", "-q", "-m", message)
    return dated_git(root, when, "rev-parse", "HEAD")


def grant_at_200(root: Path) -> set[str]:
    commit(root, "2026-06-02T10:00:00Z", SCHOOL_200, lambda text: text + (
        '  - employee: "20000002"\n    roles: [teacher]\n    granted: 2026-06-02\n    expires: 2027-07-31\n'),
        "Teacher at Oak High (#44)")
    return {"as-of-schools-200"}


def approval_note(root: Path) -> set[str]:
    """Approvals recorded (as the record-approvals workflow does, a note) for the commit that added every
    line of the import: every page shows them. (A note on a commit that adds no line changes no page.)"""
    sha = dated_git(root, "2026-06-03T10:00:00Z", "log", "--format=%H", "--grep=Import the access data", "-n1")
    note = {"version": 1, "pr": 40, "base": sha, "head": sha, "merge_commit": sha, "merged_at": "2026-01-10T10:00:00Z",
            "approvals": [{"login": "pat-park", "employee": "10000001", "name": "Pat Park", "commit_id": sha,
                           "submitted_at": "2026-01-09T16:20:00Z", "review_id": 8002}], "not_counted": []}
    dated_git(root, "2026-06-03T10:00:00Z", "notes", "--ref", "refs/notes/rolebook-approvals", "add", "-f",
              "-m", json.dumps(note), sha)
    return {"as-of-schools-100", "as-of-schools-200", "as-of-offices-ITD", "as-of-offices-SPEDOPS"}


def rename_person(root: Path) -> set[str]:
    commit(root, "2026-06-04T10:00:00Z", "access/staff.yaml",
           lambda text: text.replace("last_name: Director,", "last_name: Director-Diaz,"), "Lee's new name")
    return {"as-of-schools-100", "as-of-schools-200"}  # where Lee's grant for the local district shows


def rename_role(root: Path) -> set[str]:
    commit(root, "2026-06-05T10:00:00Z", "roles/counselor.yaml",
           lambda text: text.replace("\nname: Counselor\n", "\nname: School Counselor\n"), "Counselor renamed")
    return {"as-of-schools-100", "as-of-schools-200"}  # Sam is a counselor at both


def office_grant(root: Path) -> set[str]:
    commit(root, "2026-06-06T10:00:00Z", ITD, lambda text: text + (
        '  - employee: "90000002"\n    roles: [district-administrator]\n    scope: {all_schools: true}\n'
        '    granted: 2026-06-06\n    expires: 2027-07-31\n'), "Dan reads every school (#45)")
    return {"as-of-schools-100", "as-of-schools-200", "as-of-offices-ITD"}


def review_at_200(root: Path) -> set[str]:
    review = "access/schools/200/reviews/2026-H1.yaml"
    (root / review).parent.mkdir(parents=True, exist_ok=True)
    (root / review).write_text('school: "200"\nperiod: 2026-H1\nstatus: open\nreviewed_on: 2026-06-07\n',
                               encoding="utf-8")
    dated_git(root, "2026-06-07T12:00:00Z", "add", review)
    dated_git(root, "2026-06-07T12:00:00Z", "commit", "-q", "-m", "Access review of Oak High (#46)")
    return {"as-of-schools-200"}


def rename_school(root: Path) -> set[str]:
    commit(root, "2026-06-08T10:00:00Z", "access/district.yaml",
           lambda text: text.replace("name: Oak High", "name: Oak Grove High", 1), "Oak High renamed")
    return {"as-of-schools-200"}



STEPS: list[Callable[[Path], set[str]]] = [grant_at_200, approval_note, rename_person, rename_role, office_grant,
                                           review_at_200, rename_school]


@pytest.mark.parametrize("seed", [3, 11])
def test_pages_kept_from_the_last_build_equal_pages_made_from_nothing(tmp_path: Path, seed: int) -> None:
    root = build_history(tmp_path / "history")
    cache = tmp_path / "cache"
    kept = Artifacts(cache)
    first = pages(root, TODAY, kept)
    repo = load_repository(root)
    names = {"as-of-schools-100", "as-of-schools-200", "as-of-offices-ITD", "as-of-offices-SPEDOPS"}
    assert set(entries(cache)) == names and set(keys(cache)) == {name + BY_COMMITS for name in names}
    assert cache_names(repo) == set(entries(cache)) | set(keys(cache))
    assert first == pages(root, TODAY, None)
    assert pages(root, TODAY, kept) == first  # nothing changed: everything kept

    steps = list(STEPS)
    random.Random(seed).shuffle(steps)
    today = TODAY
    for step in [*steps, "date"]:
        before = entries(cache)
        if step == "date":
            today = dt.date(2026, 7, 2)  # June's end is a new date on every page
            made_again = set(before)
        else:
            assert callable(step)
            made_again = step(root)
        reused = pages(root, today, kept)
        assert reused == pages(root, today, None), step
        after = entries(cache)
        changed = {name for name in after if after[name] != before.get(name)}
        assert changed == made_again, step
    shown = reused["audit/schools/200/as-of.html"].decode()
    assert "Oak Grove High" in shown and "Pat Park (pat-park)" in shown and "Director-Diaz" in shown
    assert "2026-06-30" in shown

    # A merge dated before the last date shown (as a build on a month's last day sees every merge of that
    # day): it is the commit in force at June's end on every page, but its file is read by one page only.
    keys_before = keys(cache)
    rows_before = {name: rows_of(cache, name) for name in entries(cache)}
    late = commit(root, "2026-06-20T10:00:00Z", SCHOOL_200, lambda text: text + (
        '  - employee: "20000003"\n    roles: [teacher]\n    granted: 2026-06-20\n    expires: 2027-07-31\n'),
        "Teacher at Oak Grove High (#47)")
    reused = pages(root, today, kept)
    assert reused == pages(root, today, None)
    keys_after = keys(cache)
    assert {name for name in rows_before if rows_of(cache, name) != rows_before[name]} == {"as-of-schools-200"}
    assert all(keys_after[name] != keys_before[name] for name in keys_after)  # every page's dates moved on
    for page in reused.values():  # every page names the new commit at June's end
        assert f"<tr><td>2026-06-30</td><td>month end</td><td><code>{late[:12]}</code></td>" in page.decode()


def test_a_damaged_cache_entry_is_made_again(tmp_path: Path) -> None:
    root = build_history(tmp_path / "history")
    cache = tmp_path / "cache"
    first = pages(root, TODAY, Artifacts(cache))
    for path in cache.iterdir():
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + b"{not json" + data[len(data) // 2:])
    assert pages(root, TODAY, Artifacts(cache)) == first
    # Under the right digest, rows that are not rows (a file written by something else): made again too.
    kept = Artifacts(cache)
    for path in cache.iterdir():
        digest = path.read_bytes().split(b"\n")[1].decode()
        parts = kept.get(path.name, digest)
        assert parts is not None
        kept.put(path.name, digest, [b'[[], [[["x"], 0, 0]]]', *parts[1:]])
    assert pages(root, TODAY, Artifacts(cache)) == first


def test_the_walk_along_a_files_changes_finds_what_a_search_per_date_finds() -> None:
    """`Timelines.blobs_at` (one walk, for the offices' files at every school's dates) against `blob_at`."""
    chosen = random.Random(5)
    for _ in range(300):
        changes = sorted(chosen.sample(range(60), chosen.randint(0, 12)))
        blobs = [None if chosen.random() < 0.2 else f"{chosen.getrandbits(160):040x}" for _ in changes]
        timelines = Timelines({"f": (changes, blobs)})
        positions = {chosen.randrange(70) for _ in range(chosen.randint(0, 20))}
        expected = [blob for p in sorted(positions) if (blob := timelines.blob_at("f", p)) is not None]
        assert list(timelines.blobs_at("f", positions)) == expected
        assert list(timelines.blobs_at("other", positions)) == []


def test_versions_read_file_by_file_equal_versions_read_all_at_once(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A republish names the few files it needs to Git; a build from nothing reads every grants file."""
    root = build_history(tmp_path / "history")
    for step in STEPS:
        step(root)
    by_name = pages(root, dt.date(2026, 7, 2), None)
    monkeypatch.setattr(as_of_pages, "FEW_FILES", 0)
    assert pages(root, dt.date(2026, 7, 2), None) == by_name
