"""What makes pull-request mode and the approval gate fast, held to the answers of the slow way.

A one-grant pull request reads a few hundred records of a 75,000-record staff file: the scan finds
where each record starts without parsing the file. These tests hold the scan to what a YAML parse of
the whole file says, for the layout every writer produces (the fast path) and for the others it reads
(comments, blank lines, `employee:` further down, one-line records); check that Git is read right when
the access data sits in a folder below the repository's top; that the base runs only the rules it
needs; and that pausing the garbage collector for a command leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import yaml_rs
from conftest import TODAY, git, git_init, make_mini_repo, run_cli, write_files
from rolebook.infra.gcpause import collector_off_for_command
from rolebook.infra.git import GitFailed, list_tree, read_blobs, stream_blobs
from rolebook.infra.result_cache import Artifacts
from rolebook.loading import load_repository
from rolebook.loading.fast.partial import KEPT_SCAN, ContentStore, PartialSession, StaffScan, _blob_id, _Unusable
from rolebook.model.files import StaffMember
from rolebook.policy.check import run_rules
from rolebook.policy.pull_request import base_identities, pull_request_partial

DAY = dt.date.fromisoformat(TODAY)
HEADER = "# yaml-language-server: $schema=../generator/schema/staff.schema.json\nsource: test export\nstaff:\n"


def block_record(number: int, **extra: str) -> str:
    lines = [f'  - employee: "{number:08d}"', f"    last_name: Name{number}", "    first_name: Alex",
             "    staff_type: classified", "    position: Clerk", "    hr_status: processed",
             f'    locations: ["{100 + number % 3}"]']
    lines += [f"    {key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


PLAIN = HEADER + "".join(block_record(n) for n in range(1, 40)) + block_record(
    40, git_username="ada-40", contractor="true", sponsor='"00000003"', contract_end="2027-06-30")


def expected(text: str) -> dict[str, tuple[int, StaffMember]]:
    records = yaml_rs.loads(text)["staff"]
    return {record["employee"]: (index, StaffMember.model_validate(record)) for index, record in enumerate(records)}


def check_scan(text: str, *, fast: bool) -> None:
    """The scan numbers every record as a full parse does, and reads any of them the same."""
    scan = StaffScan.scan(text)
    assert (scan.starts is None) is fast
    truth = expected(text)
    assert scan.by_employee == {employee: index for employee, (index, _) in truth.items()}
    wanted = set(list(truth)[::3]) | {list(truth)[-1], "99999999"}
    scan.load(wanted)
    for employee in wanted:
        assert scan.members[employee] == (truth[employee][1] if employee in truth else None)
    scan.load(set(truth))  # the rest, in a second call, as the sponsors are read
    assert {e: m for e, m in scan.members.items() if m is not None} == {e: m for e, (_, m) in truth.items()}


def test_the_usual_layout_takes_the_fast_scan() -> None:
    check_scan(PLAIN, fast=True)
    check_scan(PLAIN.rstrip("\n"), fast=True)  # no newline at the end of the file


@pytest.mark.parametrize("text", [
    pytest.param(PLAIN.replace('  - employee: "00000007"', '  # a note\n  - employee: "00000007"'), id="comment"),
    pytest.param(PLAIN.replace('  - employee: "00000007"', '\n  - employee: "00000007"'), id="blank-line"),
    pytest.param(PLAIN + "other: value\n", id="a-key-after-the-staff"),
    pytest.param(PLAIN.replace('  - employee: "00000005"\n    last_name: Name5\n',
                               '  - last_name: Name5\n    employee: "00000005"\n'), id="employee-further-down"),
    pytest.param(PLAIN.replace('  - employee: "00000009"\n', "  - employee: '00000009'\n"), id="single-quotes"),
    pytest.param(HEADER + '  - {employee: "00000001", last_name: One, first_name: A, staff_type: classified, '
                 'position: Clerk, hr_status: processed}\n' + "".join(block_record(n) for n in range(2, 6)),
                 id="one-line-record"),
])
def test_other_layouts_take_the_general_scan(text: str) -> None:
    check_scan(text, fast=False)


@pytest.mark.parametrize("text", [
    PLAIN + block_record(12),  # listed twice: the full load reports it
    PLAIN.replace('  - employee: "00000007"', '  - employee: "00000007"\n    employee: "00000008"'),
])
def test_a_number_listed_twice_is_left_to_the_full_load(text: str) -> None:
    with pytest.raises(_Unusable):
        StaffScan.scan(text).load({"00000007", "00000012"})


def test_the_base_runs_only_the_rules_that_found_something_in_the_head(mini_repo: Path) -> None:
    repo = load_repository(mini_repo)
    everything = run_rules(repo, DAY, scope={"100"}).findings
    codes = {f.code for f in everything}
    assert len(codes) >= 2
    assert base_identities(repo, DAY, {"100"}, codes) == {f.identity() for f in everything}
    one = min(codes)
    assert base_identities(repo, DAY, {"100"}, {one}) == {f.identity() for f in everything if f.code == one}
    assert base_identities(repo, DAY, {"100"}, set()) == set()


def test_a_working_tree_file_is_read_only_when_it_is_the_blob(tmp_path: Path) -> None:
    root = git_init(make_mini_repo(tmp_path / "repo"))
    listed = list_tree(root, "HEAD")
    staff, groups = listed["access/staff.yaml"], listed["access/groups.yaml"]
    (root / "access/groups.yaml").write_text("groups: []\n")  # changed, not committed
    store = ContentStore(root)
    store.adopt_worktree({"access/staff.yaml": staff, "access/groups.yaml": groups})
    assert store.contents == {staff: (root / "access/staff.yaml").read_bytes()}
    assert store.read(groups) == git(root, "show", "HEAD:access/groups.yaml").encode() + b"\n"


def as_block_layout(root: Path) -> None:
    """Rewrite the mini district's one-line staff records in the usual block layout."""
    text = (root / "access/staff.yaml").read_text()
    records = yaml_rs.loads(text)["staff"]
    lines = ["staff:"]
    for record in records:
        fields = [f'employee: "{record["employee"]}"'] + [
            f"{key}: {json.dumps(value)}" for key, value in record.items() if key != "employee"]
        lines += ["  - " + fields[0]] + ["    " + field for field in fields[1:]]
    write_files(root, {"access/staff.yaml": "\n".join(lines) + "\n"})


def test_access_data_below_the_top_of_the_git_repository(tmp_path: Path) -> None:
    """The plumbing reads paths relative to the access repository, wherever Git's top is."""
    top = tmp_path / "top"
    root = make_mini_repo(top / "data")
    as_block_layout(root)
    write_files(top, {"README.md": "The access data is in data/.\n"})
    git_init(top)
    git(top, "checkout", "-q", "-b", "request")
    grants = root / "access/schools/100/grants.yaml"
    write_files(root, {"access/schools/100/grants.yaml": grants.read_text() + (
        '  - employee: "20000003"\n    roles: [office-manager]\n    granted: 2026-11-20\n'
        "    expires: 2027-06-30\n")})
    write_files(top, {"README.md": "Changed outside the access data.\n"})
    git(top, "commit", "-qam", "office manager at 100")

    partial = pull_request_partial(root, "main", DAY)
    assert partial is not None and partial.scope == {"100"}
    full = json.loads(run_cli("validate", "--base", "main", "--full", "--format", "json", cwd=root).stdout)
    assert {(f.code, f.file, f.line) for f in partial.findings} == {
        (f["code"], f["file"], f["line"]) for f in full["findings"]}
    # What the partial check calls old, the full one does too (it checks more schools, so finds more).
    assert partial.preexisting and {(f.code, f.file, f.line) for f in partial.preexisting} <= {
        (f["code"], f["file"], f["line"]) for f in full["preexisting"]}
    assert [c.as_dict() for c in partial.access_diff] == full["access_diff"]
    assert [(c["employee"], c["change"]) for c in full["access_diff"]] == [("20000003", "added")]

    gate = run_cli("approvals", "--base", "main", "--head", "request", "--author", "someone", "--format", "json",
                   cwd=root)
    assert gate.returncode == 1, gate.stderr  # nobody approved yet
    requirement = json.loads(gate.stdout)["requirements"]
    assert [r["reviewers"] for r in requirement] == [["pat-park"]]
    unknown = run_cli("validate", "--base", "no-such-branch", cwd=root)
    assert unknown.returncode == 2 and "unknown Git revision 'no-such-branch'" in unknown.stderr


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_command_without_the_collector_leaves_nothing_behind() -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        with collector_off_for_command():
            assert not gc.isenabled()
            garbage = [_Cycle() for _ in range(5000)]
            del garbage  # cycles: only the collector frees them
        after = [[] for _ in range(100)]  # allocations that would set off a collection over all of them
        gc.callbacks.remove(seen)
        assert gc.isenabled() and gc.get_freeze_count() == 0 and len(after) == 100
        assert collections == []  # what the block allocated joined the oldest generation without a walk
        assert gc.collect() >= 5000  # and a full collection still frees it
    finally:
        if seen in gc.callbacks:
            gc.callbacks.remove(seen)
        if not was_enabled:
            gc.disable()


def test_the_verdict_cache_changes_no_answer_and_a_committed_one_is_not_read(tmp_path: Path) -> None:
    """The partial path knows which files it does not read are broken from the per-blob verdicts a full
    load leaves; without them it checks the blobs itself, and a committed cache is never trusted."""
    from rolebook.infra.result_cache import CACHE_DIR, Verdicts
    from rolebook.policy.pull_request import LOAD_ERROR

    root = make_mini_repo(tmp_path / "repo")
    grants = root / "access/schools/200/grants.yaml"
    grants.write_text(grants.read_text().replace("    roles: [counselor]\n", "    roles: [counselor]\n    colour: x\n"))
    git_init(root)
    git(root, "checkout", "-q", "-b", "request")
    write_files(root, {"access/schools/100/grants.yaml": (root / "access/schools/100/grants.yaml").read_text()
                       + '  - employee: "10000003"\n    roles: [health-office]\n    granted: 2026-11-20\n'
                       "    expires: 2027-06-30\n"})

    def old_load_errors() -> list[tuple[str, int]]:
        result = pull_request_partial(root, "main", DAY)
        assert result is not None
        return [(f.file, f.line) for f in result.preexisting if f.code == LOAD_ERROR]

    expected = [("access/schools/200/grants.yaml", 9)]
    assert not (root / CACHE_DIR).exists()
    assert old_load_errors() == expected  # no cache: the blob was checked, and remembered
    [stored] = (root / CACHE_DIR).glob("verdicts-*.json")
    entries = json.loads(stored.read_text())
    assert [key.split("\0")[0] for key, errors in entries.items() if errors] == ["access/schools/200/grants.yaml"]
    assert old_load_errors() == expected  # from the cache
    stored.write_text(json.dumps({key: [] for key in entries}))  # a forged cache says everything loads...
    git(root, "add", "-f", CACHE_DIR)  # ...and is committed: it is not read
    assert old_load_errors() == expected
    assert Verdicts.open(root).kept().folder is None  # nor is anything kept beside it (the staff scan)


def test_blobs_stream_as_git_reads_them_and_a_failure_says_so(tmp_path: Path) -> None:
    """Many blobs, larger than a pipe's buffer, come back whole and in order; a missing one is left out;
    a reader that stops early leaves no Git behind; outside a repository Git's own message is raised."""
    repo = tmp_path / "repo"
    repo.mkdir()
    contents = {f"file{n}.txt": (f"{n}\n" * (9000 + 700 * n)).encode() for n in range(60)}
    for name, data in contents.items():
        (repo / name).write_bytes(data)
    git_init(repo)
    ids = {name: git(repo, "hash-object", "-w", name) for name in contents}
    missing = "1" * 40
    wanted = [ids["file3.txt"], missing, *ids.values(), ids["file3.txt"]]
    streamed = list(stream_blobs(repo, wanted))
    assert [blob for blob, _ in streamed] == list(dict.fromkeys(b for b in wanted if b != missing))
    assert dict(streamed) == {ids[name]: data for name, data in contents.items()} == read_blobs(repo, wanted)

    first = next(iter(stream_blobs(repo, list(ids.values()))))  # the generator is dropped after one
    assert first == (ids["file0.txt"], contents["file0.txt"])
    gc.collect()

    with pytest.raises(GitFailed, match="not a git repository"):
        list(stream_blobs(tmp_path, [ids["file0.txt"]]))


# ------------------------------------------------------------------ the scan kept between runs
def generated_staff(rng: random.Random) -> str:
    """A staff file the scan may or may not read: usual records mixed with comments, blank lines, one-line
    records, `employee:` further down, quoting, shared, odd and unreadable Git usernames, and numbers
    listed twice."""
    lines = [HEADER.rstrip("\n")]
    for number in rng.sample(range(1, 400), rng.randint(1, 30)):
        extra: dict[str, str] = {}
        login = rng.choice([None, None, f"u{number}", "shared-one", '"Quoted-Two"', "'single'", "[a, list]",
                            "bad_name!", '"x" # c'])
        if login is not None:
            extra["git_username"] = login
        record = block_record(number, **extra)
        shape = rng.random()
        if shape < 0.08:
            record = "  # a note\n" + record
        elif shape < 0.14:
            record = "\n" + record
        elif shape < 0.2:
            head, rest = record.split("\n", 1)
            first, second, *others = rest.split("\n")
            record = "\n".join([f"  - {first.strip()}", "    " + head.strip()[2:], second, *others])
        elif shape < 0.24:
            record = (f'  - {{employee: "{number:08d}", last_name: N, first_name: A, staff_type: classified, '
                      "position: Clerk, hr_status: processed}\n")
        elif shape < 0.27 and len(lines) > 1:
            record = lines[-1] + "\n"  # the record before, again
        lines.append(record.rstrip("\n"))
    text = "\n".join(lines) + "\n"
    return text.rstrip("\n") if rng.random() < 0.1 else text


def scan_outcome(scan_of: Callable[[], StaffScan]) -> tuple[object, ...]:
    """Everything a partial load takes from a scan: the numbering, the spans, the login claims (or that
    they cannot be read) and the records read through it; or that the scan gives up."""
    try:
        scan = scan_of()
    except _Unusable:
        return ("unusable",)
    try:
        claims: object = scan.login_claims()
    except _Unusable:
        claims = "unusable"
    try:
        scan.load(set(list(scan.by_employee)[::2]) | {"99999999"})
        members: object = sorted((e, m.model_dump_json() if m else None) for e, m in scan.members.items())
    except _Unusable:
        members = "unusable"
    return scan.by_employee, scan.starts, scan.block_end, scan.item, claims, members


def session_for(root: Path, text: str, kept: Artifacts) -> tuple[PartialSession, str]:
    raw = text.encode()
    key = _blob_id(raw, 40)
    store = ContentStore(root)
    store.contents[key] = raw
    return PartialSession(root, store, kept), key


def test_a_kept_scan_is_the_scan_on_generated_staff_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan kept under the blob id answers exactly as scanning again, broken files included; a file
    the scan gives up on keeps nothing, and a kept scan is read without scanning."""
    rng = random.Random(2026)
    texts = [PLAIN, PLAIN.rstrip("\n"), PLAIN + block_record(12), HEADER + block_record(1, git_username="[x]")]
    texts += [generated_staff(rng) for _ in range(300)]
    seen: dict[str, int] = {}
    scanning = StaffScan.scan
    for number, text in enumerate(texts):
        kept = Artifacts(tmp_path / f"kept{number}")
        fresh = scan_outcome(partial(scanning, text))
        session, key = session_for(tmp_path, text, kept)
        assert scan_outcome(partial(session.staff_scan, key)) == fresh  # scanned, and kept
        with monkeypatch.context() as patched:
            patched.setattr(StaffScan, "scan", classmethod(lambda cls, text: pytest.fail("scanned again")))
            if fresh == ("unusable",):
                assert not (tmp_path / f"kept{number}" / KEPT_SCAN).exists()
                continue
            again, _ = session_for(tmp_path, text, kept)
            assert scan_outcome(partial(again.staff_scan, key)) == fresh  # from what was kept
        kind = "general" if fresh[1] is not None else "plain"
        kind += "/no logins" if fresh[4] == "unusable" else ""
        seen[kind] = seen.get(kind, 0) + 1
    assert len(seen) == 4 and min(seen.values()) >= 5, seen  # the inputs reach every kind of answer


def test_a_kept_scan_of_other_content_or_a_damaged_one_is_not_used(tmp_path: Path) -> None:
    kept = Artifacts(tmp_path / "kept")
    session, key = session_for(tmp_path, PLAIN, kept)
    truth = scan_outcome(lambda: session.staff_scan(key))
    other = PLAIN.replace("Name7\n", "Name77\n")
    moved, moved_key = session_for(tmp_path, other, kept)
    assert scan_outcome(lambda: moved.staff_scan(moved_key)) == scan_outcome(lambda: StaffScan.scan(other))
    session, key = session_for(tmp_path, PLAIN, kept)
    session.staff_scan(key)  # the kept scan is PLAIN's again
    path = tmp_path / "kept" / KEPT_SCAN
    whole = path.read_bytes()
    swapped = whole.replace(b"00000003\n00000004", b"00000004\n00000003", 1)  # two numbers change places
    assert swapped != whole
    for broken in (swapped, whole[:-30], whole.replace(b'"length": ', b'"length": 1')):
        path.write_bytes(broken)
        fresh, key = session_for(tmp_path, PLAIN, kept)
        assert scan_outcome(partial(fresh.staff_scan, key)) == truth


def test_the_checks_keep_the_scan_out_of_git_and_answer_the_same(tmp_path: Path) -> None:
    """`validate --base` and the gate keep the staff scan in .rolebook-cache/ (ignored by Git, which
    still says the checkout is clean) and give the same answer from it."""
    from rolebook.infra.result_cache import CACHE_DIR, KEPT_DIR

    root = make_mini_repo(tmp_path / "repo")
    as_block_layout(root)
    git_init(root)
    git(root, "checkout", "-q", "-b", "request")
    write_files(root, {"access/schools/100/grants.yaml": (root / "access/schools/100/grants.yaml").read_text()
                       + '  - employee: "20000003"\n    roles: [office-manager]\n    granted: 2026-11-20\n'
                       "    expires: 2027-06-30\n"})
    git(root, "commit", "-qam", "office manager at 100")
    check = ["validate", "--base", "main", "--format", "json"]
    gate = ["approvals", "--base", "main", "--head", "request", "--author", "someone", "--format", "json"]
    first, first_gate = run_cli(*check, cwd=root), run_cli(*gate, cwd=root)
    kept = root / CACHE_DIR / KEPT_DIR / KEPT_SCAN
    assert kept.is_file() and git(root, "status", "--porcelain") == ""
    second, second_gate = run_cli(*check, cwd=root), run_cli(*gate, cwd=root)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    assert (second_gate.returncode, second_gate.stdout) == (first_gate.returncode, first_gate.stdout) \
        and first_gate.returncode == 1
    assert json.loads(second.stdout)["access_diff"][0]["employee"] == "20000003"
    full = run_cli(*check, "--full", cwd=root)
    assert json.loads(full.stdout)["access_diff"] == json.loads(second.stdout)["access_diff"]
