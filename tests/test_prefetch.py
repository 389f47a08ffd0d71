"""Loading with the staff file read in a forked child gives exactly what a serial load gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO_ROOT, make_mini_repo
from rolebook.loading import LoadFailed, load_repository
from rolebook.loading.fast import prefetch
from test_loader_hostile import CASES, _prepare

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the prefetch child needs os.fork")


def _load(root: Path, monkeypatch: pytest.MonkeyPatch, switch: str) -> tuple[object, list[str]]:
    """(what was loaded, the errors) with ROLEBOOK_PREFETCH set to `switch`."""
    monkeypatch.setenv(prefetch.ENV_SWITCH, switch)
    try:
        repo = load_repository(root)
    except LoadFailed as failed:
        return None, [error.format() for error in failed.errors]
    grants = {code: (record.file, record.model) for code, record in repo.grants.items()}
    return (repo.staff, repo.staff_index, grants, repo.groups, repo.district), []


def test_the_demo_district_loads_the_same_both_ways(monkeypatch):
    serial = _load(REPO_ROOT, monkeypatch, "0")
    forked = _load(REPO_ROOT, monkeypatch, "1")
    assert serial[1] == forked[1] == []
    assert serial[0] == forked[0]


@pytest.mark.parametrize("case_id,files", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_every_hostile_input_gives_the_same_errors_both_ways(tmp_path, monkeypatch, case_id, files):
    root = tmp_path / "repo"
    _prepare(root, case_id, files)
    serial = _load(root, monkeypatch, "0")
    forked = _load(root, monkeypatch, "1")
    assert serial[1], "each case is an error"
    assert forked[1] == serial[1]


STAFF_WITH_PROBLEMS = {
    # A person listed twice: the parent finds it in the data the child sent.
    "access/staff.yaml": """\
        staff:
          - {employee: "10000001", last_name: Park, first_name: Pat, staff_type: certificated,
             position: Principal, hr_status: processed, locations: ["100"], git_username: pat-park}
          - {employee: "10000001", last_name: Park, first_name: Pat, staff_type: certificated,
             position: Principal, hr_status: processed, locations: ["100"]}
        """,
    # An anchor in a grants file: only the child's scan sees it; the parent parsed the file without.
    "access/schools/200/grants.yaml": """\
        location: "200"
        grants:
          - employee: &who "20000001"
            roles: [principal]
            granted: 2026-08-01
        """,
}


def test_problems_found_by_the_child_and_by_the_parent_are_all_reported(tmp_path, monkeypatch):
    root = make_mini_repo(tmp_path / "repo", STAFF_WITH_PROBLEMS)
    serial = _load(root, monkeypatch, "0")
    forked = _load(root, monkeypatch, "1")
    assert forked[1] == serial[1]
    assert any("access/schools/200/grants.yaml:3:" in e and "anchors" in e for e in forked[1])
    assert any("listed twice" in e for e in forked[1])


def test_a_failing_child_means_the_parent_does_the_work(tmp_path, monkeypatch):
    root = make_mini_repo(tmp_path / "repo", {"access/schools/200/grants.yaml": STAFF_WITH_PROBLEMS[
        "access/schools/200/grants.yaml"]})
    expected = _load(root, monkeypatch, "0")

    def crash(self: prefetch.Prefetch, pipe: int) -> None:
        raise RuntimeError("the child dies before sending anything")

    monkeypatch.setattr(prefetch.Prefetch, "_work", crash)
    assert _load(root, monkeypatch, "1") == expected


def test_a_child_dying_after_the_staff_file_leaves_the_rest_to_the_parent(tmp_path, monkeypatch):
    root = make_mini_repo(tmp_path / "repo", {"access/schools/200/grants.yaml": STAFF_WITH_PROBLEMS[
        "access/schools/200/grants.yaml"]})
    expected = _load(root, monkeypatch, "0")
    parse = prefetch.Prefetch._parse

    def staff_only(self: prefetch.Prefetch, relative: str) -> bytes | None:
        if relative != "access/staff.yaml":
            os._exit(3)  # killed after sending the staff file: no grants data, no scan
        return parse(self, relative)

    monkeypatch.setattr(prefetch.Prefetch, "_parse", staff_only)
    assert _load(root, monkeypatch, "1") == expected


def test_small_repositories_do_not_fork(tmp_path, monkeypatch):
    root = make_mini_repo(tmp_path / "repo")
    monkeypatch.delenv(prefetch.ENV_SWITCH, raising=False)
    assert not prefetch.wanted(root / "access" / "staff.yaml")
    monkeypatch.setenv(prefetch.ENV_SWITCH, "1")
    assert prefetch.wanted(root / "access" / "staff.yaml")


def test_a_staff_file_the_child_cannot_read_is_read_again_here(tmp_path, monkeypatch):
    root = make_mini_repo(tmp_path / "repo", {"access/staff.yaml": """\
        staff:
          - {employee: "10000001", last_name: No, first_name: Pat, staff_type: certificated,
             position: Principal, hr_status: processed, locations: ["100"]}
        """})
    serial = _load(root, monkeypatch, "0")
    forked = _load(root, monkeypatch, "1")
    assert forked[1] == serial[1]
    assert any(e.startswith("access/staff.yaml:2:") and "true/false" in e for e in forked[1])


@pytest.mark.parametrize("body,words", [
    ('  - employee: &who "20000001"\n    roles: [principal]\n    granted: 2026-08-01\n', "anchors"),
    ('  - employee: "20000001"\n    roles: [principal]\n    granted: 2026-13-45\n', "not a date"),
    ('  - employee: "20000001"\n    roles: [principal\n', "not valid YAML"),
])
def test_a_problem_in_a_file_the_child_parsed_is_reported_the_same(tmp_path, monkeypatch, body, words):
    last = "access/offices/SPEDOPS/grants.yaml"  # the last grants file: the child's share
    assert prefetch.child_share(["schools/100", "schools/200", "offices/ITD", "offices/SPEDOPS"]) == 1
    root = make_mini_repo(tmp_path / "repo", {last: 'location: "SPEDOPS"\ngrants:\n' + body})
    serial = _load(root, monkeypatch, "0")
    forked = _load(root, monkeypatch, "1")
    assert forked[1] == serial[1]
    assert any(e.startswith(last) and words in e for e in forked[1]), forked[1]
