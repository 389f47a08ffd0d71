"""Cold validation's fast paths give exactly the plain path's answer, on generated inputs, broken ones included.

Two of them: the suspect scan reads the text backwards (`yamlfile._suspect`), and `rolebook validate`
forks the prefetch child before it asks the cache and imports the models (`prefetch.start_early`).
The first is compared with the forward scan it replaced, kept here as the reference; the second with a
load and a check that never fork (ROLEBOOK_FORK=0), in process and through the real CLI.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, git_init, make_mini_repo, run_cli
from rolebook.loading import yamlfile
from rolebook.loading.fast import prefetch
from rolebook.loading.repository import load_tolerant
from rolebook.loading.yamlfile import _SUSPECT_MARK, _suspect, parse_bytes
from rolebook.policy.check import run_rules
from test_fuzz import demo_files, mutate

SEED = 1717
TODAY_DATE = dt.date.fromisoformat(TODAY)

# ------------------------------------------------------------------ the reference: the forward scan
# The tag, anchor and alias mark before `&` and `*` needed a name after them.
_BEFORE_NARROWING = re.compile(rb"(?:^|[\s\[{,:-])[!&*]", re.MULTILINE)
_WORD = rb"(?:[yY](?:[eE][sS])?|[nN][oO]?|[oO](?:[nN]|[fF][fF]))[ \t]*\r?(?:#|$|[,\]}])"
_AFTER_INDICATOR = re.compile(rb"[:\-,\[{?][ \t]*" + _WORD, re.MULTILINE)
_ALONE_ON_A_LINE = re.compile(rb"\n[ \t]*(?=[yYnNoO])" + _WORD, re.MULTILINE)


def forward_suspect(raw: bytes) -> bool:
    """What the scan answered before it read backwards."""
    if (b"!" in raw or b"&" in raw or b"*" in raw) and _SUSPECT_MARK.search(raw):
        return True
    return (_AFTER_INDICATOR.search(raw) is not None or _ALONE_ON_A_LINE.search(raw) is not None
            or _ALONE_ON_A_LINE.match(b"\n" + raw[:16]) is not None)


PIECES = [b"no", b"No", b"NO", b"y", b"Y", b"yes", b"yEs", b"YES", b"on", b"ON", b"off", b"oFf", b"n", b"N",
          b"nos", b"yess", b"o", b"f", b"s", b"e", b"a", b"key", b" ", b"  ", b"\t", b"\n", b"\r\n", b"\r",
          b":", b": ", b"- ", b"-", b",", b", ", b"[", b"]", b"{", b"}", b"?", b"? ", b"#", b" #", b"'", b'"',
          b"&", b"*", b"!"]


def test_the_backward_scan_suspects_exactly_what_the_forward_scan_did() -> None:
    rng = random.Random(SEED)
    generated = [b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 16))) for _ in range(60_000)]
    assert sum(map(forward_suspect, generated)) > 10_000  # the inputs do reach both answers
    for raw in generated:
        assert _suspect(raw) == forward_suspect(raw), raw


def test_the_backward_scan_agrees_on_every_mutation_of_the_demo_files() -> None:
    rng = random.Random(SEED)
    files = [(REPO_ROOT / name).read_bytes() for name in demo_files(REPO_ROOT)]
    files += [path.read_bytes() for path in sorted((REPO_ROOT / "tests" / "fixtures").rglob("*.yaml"))]
    seen = {True: 0, False: 0}
    for raw in files:
        for _ in range(25):
            mutated = mutate(rng, raw)
            expected = forward_suspect(mutated)
            assert _suspect(mutated) == expected, mutated[:200]
            seen[expected] += 1
    assert seen[True] > 30 and seen[False] > 100  # (the demo's "&" in names is no suspicion)


def test_an_ampersand_or_star_before_a_space_is_no_suspicion(monkeypatch: pytest.MonkeyPatch) -> None:
    """`&` or `*` before a space, a flow indicator or the end names no anchor ("Health & Human Services"),
    so the scan no longer sends such a file to the tokenizer. Every file that changes answers as when it
    was tokenised: the same problems, or (in text that is not YAML) a syntax error instead of another."""
    rng = random.Random(SEED)
    pieces = [*PIECES, b"& ", b"&a", b"*a", b"&\n", b"*]", b"& Human", b"!a", b"! ", b"a: &x b\nc: *x\n"]
    generated = [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(40_000)]
    files = [(REPO_ROOT / name).read_bytes() for name in demo_files(REPO_ROOT)]
    generated += [mutate(rng, raw) for raw in files for _ in range(10)]
    narrowed = [raw for raw in generated if not _suspect(raw) and _BEFORE_NARROWING.search(raw)]

    def errors(raw: bytes) -> list[tuple[int, int, str]]:
        return [(e.line, e.column, e.message) for e in parse_bytes(raw, Path("x.yaml"), "x.yaml").errors]

    scanned = [errors(raw) for raw in narrowed]
    monkeypatch.setattr(yamlfile, "_suspect", lambda raw: True)
    tokenised = [errors(raw) for raw in narrowed]
    assert len(narrowed) > 2_000 and sum(not found for found in scanned) > 500  # both kinds are reached
    for raw, fast, careful in zip(narrowed, scanned, tokenised, strict=True):
        assert fast == careful or (fast and careful and fast[0][2].startswith("not valid YAML")), raw


@pytest.mark.parametrize("raw", [b"no", b"a: no", b"a: no\r", b"- yes\n", b"a: [x, off]", b"a: {b: on}",
                                 b"a: N # c", b"a:\n  no\n", b"no: a", b"a: 'no'", b"a: nob", b"a: b no",
                                 b"a: on-site", b""])
def test_the_backward_scan_on_the_edges(raw: bytes) -> None:
    """The start and the end of the file, CR line ends, comments, flow collections, keys and quotes."""
    assert _suspect(raw) == forward_suspect(raw)


# ------------------------------------------------------------------ the early child
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the prefetch child needs os.fork")


def _answer(root: Path, monkeypatch: pytest.MonkeyPatch, *, early: bool) -> tuple[object, ...]:
    """What a cold validation sees: every load error, the loaded grants and staff, and the findings."""
    monkeypatch.setenv(prefetch.ENV_SWITCH, "1" if early else "0")
    if early:
        prefetch.start_early(root)
    repo, errors = load_tolerant(root)
    prefetch.abandon_early()  # nothing may be left over for the next load
    findings = [] if errors else run_rules(repo, TODAY_DATE).findings
    grants = {code: (record.file, record.model) for code, record in repo.grants.items()}
    return [error.format() for error in errors], list(grants.items()), repo.staff, findings


@pytest.fixture
def district(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    for folder in ("roles", "access"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


@needs_fork
def test_the_loader_takes_the_child_started_early(district: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forks: list[Path] = []
    start = prefetch.Prefetch.__init__

    def counted(self: prefetch.Prefetch, root: Path, parsed: list[str], scanned: list[str]) -> None:
        forks.append(root)
        start(self, root, parsed, scanned)

    monkeypatch.setattr(prefetch.Prefetch, "__init__", counted)
    plain = _answer(district, monkeypatch, early=False)
    assert forks == []
    assert _answer(district, monkeypatch, early=True) == plain
    assert forks == [district]  # one child: the one started early, taken by the loader


@needs_fork
def test_a_tree_changed_after_the_early_start_gets_a_child_of_its_own(district: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefetch.ENV_SWITCH, "1")
    prefetch.start_early(district)
    early = prefetch._early
    assert early is not None
    new_school = district / "access" / "schools" / "9999"
    new_school.mkdir()
    (new_school / "grants.yaml").write_text('location: "9999"\ngrants: []\n', encoding="utf-8")
    repo, errors = load_tolerant(district)
    assert early.failed  # abandoned: its lists no longer match the tree
    assert prefetch._early is None
    monkeypatch.setenv(prefetch.ENV_SWITCH, "0")
    serial_repo, serial_errors = load_tolerant(district)
    assert [e.format() for e in errors] == [e.format() for e in serial_errors]
    assert list(repo.grants) == list(serial_repo.grants)


@needs_fork
def test_every_mutation_gives_the_same_answer_with_the_early_child(district: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    names = [name for name in demo_files(district) if name.startswith("access/") and "/reviews/" not in name]
    broken = 0
    for _ in range(30):
        name = rng.choice(names)
        original = (district / name).read_bytes()
        (district / name).write_bytes(mutate(rng, original))
        plain = _answer(district, monkeypatch, early=False)
        assert _answer(district, monkeypatch, early=True) == plain, name
        broken += bool(plain[0])
        (district / name).write_bytes(original)
    assert broken >= 5  # broken inputs are among them


@needs_fork
@pytest.mark.parametrize("extra", [
    {},
    {"access/schools/200/grants.yaml": 'location: "200"\ngrants:\n  - employee: &a "20000001"\n'},
    {"access/staff.yaml": "staff: [\n"},
])
def test_the_cli_answers_the_same_with_and_without_the_child(tmp_path: Path, extra: dict[str, str]) -> None:
    """Through the real command: the same output and exit code, cold and again from the cache."""
    root = git_init(make_mini_repo(tmp_path / "repo", extra))
    answers = []
    for switch in ("0", "1", "1"):  # the last run is answered from the cache: no child at all
        if switch == "1" and not answers[1:]:
            shutil.rmtree(root / ".rolebook-cache", ignore_errors=True)  # the forked run is cold too
        result = run_cli("validate", "--repo", str(root), env={prefetch.ENV_SWITCH: switch})
        answers.append((result.returncode, result.stdout, result.stderr))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == (0 if not extra else 2)
    assert "Traceback" not in answers[0][2]

