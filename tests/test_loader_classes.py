"""Classes of input the loader refuses (or reads) exactly: each case names its file, line and fix.

Control and invisible characters, digits that are not ASCII, YAML 1.1 booleans however the scalar is
written, lax coercion of dates, numbers and booleans, policy values that overflow or do not compile,
files nobody reads, links that leave the repository, and a byte-order mark.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import git, git_init, make_mini_repo, run_cli
from rolebook.loading.errors import LoadError
from rolebook.loading.repository import load_tolerant

GRANTS = "access/schools/100/grants.yaml"
HEADER = 'location: "100"\ngrants:\n'
FIRST = '  - employee: "10000001"\n    roles: [principal]\n    granted: 2026-08-01\n    expires: 2027-07-31\n'
LAST = '  - employee: "10000002"\n    roles: [office-manager]\n    granted: 2026-08-01\n'


def errors_of(tmp_path: Path, files: dict[str, str], raw: dict[str, bytes] | None = None) -> list[LoadError]:
    root = make_mini_repo(tmp_path / "repo", dict(files))
    for relative, content in (raw or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
    return load_tolerant(root)[1]


def assert_error(errors: list[LoadError], file: str, line: int, pattern: str) -> None:
    found = [e for e in errors if e.file == file and e.line == line and re.search(pattern, e.message + e.hint, re.I)]
    assert found, f"no {file}:{line} /{pattern}/ in {[(e.file, e.line, e.message) for e in errors]}"


def grants_bytes(middle: bytes) -> bytes:
    return HEADER.encode() + FIRST.encode() + middle + LAST.encode()


# ---------------------------------------------------------------------- control and invisible characters
@pytest.mark.parametrize("character", [b"\x00", b"\x01", b"\x1b", b"\x7f", b"\x0c"])
def test_a_control_character_is_an_error_at_its_line(tmp_path: Path, character: bytes) -> None:
    body = grants_bytes(b'  - employee: "10000003"\n    roles: [teacher]\n    reason: "a' + character
                        + b'b"\n    granted: 2026-08-01\n')
    errors = errors_of(tmp_path, {}, {GRANTS: body})
    assert_error(errors, GRANTS, 9, r"control character")


def test_a_nul_byte_no_longer_cuts_the_file_short(tmp_path: Path) -> None:
    body = grants_bytes(b"  # \x00 everything below used to vanish\n")
    errors = errors_of(tmp_path, {}, {GRANTS: body})
    assert_error(errors, GRANTS, 7, r"U\+0000")


@pytest.mark.parametrize("character", ["\u202e", "\u2066", "\u200b", "\u200f", "\u2060", "\ufeff", "\u0085", "\u061c"])
def test_an_invisible_formatting_character_in_a_name_is_an_error(tmp_path: Path, character: str) -> None:
    staff = (make_mini_repo(tmp_path / "base") / "access/staff.yaml").read_text(encoding="utf-8")
    changed = staff.replace("last_name: Chen", f"last_name: Ch{character}en")
    errors = errors_of(tmp_path, {}, {"access/staff.yaml": changed.encode()})
    line = next(i for i, text in enumerate(changed.split("\n"), 1) if character in text)
    assert_error(errors, "access/staff.yaml", line, rf"U\+{ord(character):04X}")


def test_a_byte_order_mark_at_the_start_is_read_past(tmp_path: Path) -> None:
    body = b"\xef\xbb\xbf# yaml-language-server: $schema=../../../generator/schema/grants.schema.json\n"
    errors = errors_of(tmp_path, {}, {GRANTS: body + grants_bytes(b"")})
    assert errors == []


# ---------------------------------------------------------------------- identifiers
@pytest.mark.parametrize("digits", ["\u0661\u0660\u0660\u0660\u0660\u0660\u0660\u0663",  # Arabic-Indic
                                    "\uff11\uff10\uff10\uff10\uff10\uff10\uff10\uff13",  # full-width
                                    "1000000\u0663", "\u09e7\u09e6\u09e6\u09e6\u09e6\u09e6\u09e6\u09e9"])
def test_an_employee_number_is_eight_ascii_digits_everywhere(tmp_path: Path, digits: str) -> None:
    grant = f'  - employee: "{digits}"\n    roles: [teacher]\n    granted: 2026-08-01\n'
    groups = f'groups:\n  - {{id: access-administrators, name: A, members: ["{digits}"]}}\n'
    errors = errors_of(tmp_path, {GRANTS: HEADER + FIRST + grant, "access/groups.yaml": groups})
    assert_error(errors, GRANTS, 7, r"8-digit employee number.*ASCII")
    assert_error(errors, "access/groups.yaml", 2, r"8-digit employee number")


# ---------------------------------------------------------------------- YAML 1.1 booleans
BOOLEAN_LAYOUTS = [  # (layout, the lines, the line of the boolean in the file, the line ending)
    *((name, text, line, ending) for ending in ("\n", "\r\n") for name, text, line in [
        ("next-line", "    reason:\n      no\n", 10),
        ("after-a-comment", "    reason: # why\n      Yes\n", 10),
        ("flow-over-lines", "    roles: [teacher,\n      on]\n", 10),
        ("list-entry-next-line", "    roles:\n      -\n        y\n", 11),
    ]),
    ("same-line", "    reason: no\n", 9, "\r\n"),
    ("tab-before", "    reason:\tN\n", 9, "\r\n"),
    ("flow-mapping-over-lines", "    roles: [teacher]\n    scope: {cluster:\n      off}\n", 11, "\n"),
]


@pytest.mark.parametrize("layout,text,line,ending", BOOLEAN_LAYOUTS,
                         ids=[f"{c[0]}-{'crlf' if c[3] == chr(13) + chr(10) else 'lf'}" for c in BOOLEAN_LAYOUTS])
def test_a_yaml11_boolean_is_refused_however_it_is_written(tmp_path: Path, layout: str, text: str, line: int,
                                                           ending: str) -> None:
    grant = '  - employee: "10000003"\n    granted: 2026-08-01\n' + text
    if "roles" not in text:
        grant += "    roles: [teacher]\n"
    body = (HEADER + FIRST + grant).replace("\n", ending).encode()
    errors = errors_of(tmp_path, {}, {GRANTS: body})
    assert_error(errors, GRANTS, line, r"true/false")


# ---------------------------------------------------------------------- strict types
STAFF_LINE = '  - {employee: "10000003", last_name: Chen, first_name: Carl, staff_type: certificated, ' \
             'position: Teacher, hr_status: processed, locations: ["100"]'


@pytest.mark.parametrize("value,pattern", [("1788998400", "not a date"), ('"1788998400"', "not a date"),
                                           ("0", "not a date")])
def test_a_date_is_written_as_a_date(tmp_path: Path, value: str, pattern: str) -> None:
    grant = f'  - employee: "10000003"\n    roles: [teacher]\n    granted: {value}\n'
    assert_error(errors_of(tmp_path, {GRANTS: HEADER + FIRST + grant}), GRANTS, 9, pattern)


@pytest.mark.parametrize("field,value,pattern", [("enrollment", "true", "not a number"),
                                                 ("enrollment", '"600"', "not a number"),
                                                 ("enrollment", "600.0", "not a number")])
def test_a_number_is_written_as_a_number(tmp_path: Path, field: str, value: str, pattern: str) -> None:
    district = (make_mini_repo(tmp_path / "base") / "access/district.yaml").read_text(encoding="utf-8")
    changed = district.replace("enrollment: 600,", f"{field}: {value},")
    errors = errors_of(tmp_path, {}, {"access/district.yaml": changed.encode()})
    assert_error(errors, "access/district.yaml", 5, pattern)


@pytest.mark.parametrize("value", ["1", '"true"', '"yes"'])
def test_a_yes_no_field_is_true_or_false(tmp_path: Path, value: str) -> None:
    staff = (make_mini_repo(tmp_path / "base") / "access/staff.yaml").read_text(encoding="utf-8")
    changed = staff.replace('locations: ["100"]}', f'locations: ["100"], contractor: {value}}}', 1)
    errors = errors_of(tmp_path, {}, {"access/staff.yaml": changed.encode()})
    line = next(i for i, text in enumerate(changed.splitlines(), 1) if "contractor" in text)
    assert_error(errors, "access/staff.yaml", line, "not true or false")


# ---------------------------------------------------------------------- policy values
POLICY_CASES = [
    ("bad-regex", "generic_account_patterns: ['([unclosed']\n", r"not a valid regular expression"),
    ("days-overflow", "max_grant_days: {low: 99999999999, moderate: 400, high: 400}\n", r"out of range"),
    ("interval-overflow", "review_interval_months: 999999999\n", r"out of range"),
    ("dormant-overflow", "dormant_after_days: 99999999999\n", r"out of range"),
    ("notice-overflow", "expiry_notice_days: 99999999999\n", r"out of range"),
    ("quoted-number", 'minimum_access_administrators: "3"\n', r"not a number"),
]


@pytest.mark.parametrize("case,line,pattern", POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_a_bad_policy_value_is_an_error_at_its_line_not_a_crash(tmp_path: Path, case: str, line: str,
                                                                  pattern: str) -> None:
    root = make_mini_repo(tmp_path / "repo")
    policy = root / "roles/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    key = line.split(":")[0]
    kept = [row for row in text.splitlines(keepends=True) if not row.startswith(key + ":")]
    if key in text and any(row.startswith(key + ":") for row in text.splitlines()):
        index = next(i for i, row in enumerate(text.splitlines()) if row.startswith(key + ":"))
        nested = text.splitlines(keepends=True)[index + 1:]
        while nested and nested[0].startswith((" ", "-")):
            kept.remove(nested.pop(0))
    policy.write_text("".join(kept) + line, encoding="utf-8")
    result = run_cli("validate", "--repo", str(root))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "internal error" not in result.stderr.lower() and "Traceback" not in result.stderr
    number = len("".join(kept).splitlines()) + 1
    assert re.search(rf"^roles/policy\.yaml:{number}:\d+: .*{pattern}", result.stderr, re.M | re.I), result.stderr


# ---------------------------------------------------------------------- files nobody reads
UNREAD = [
    ("yml-beside-yaml", "access/schools/100/grants.yml", "grants.yaml"),
    ("sub-folder", "access/schools/100/old/grants.yaml", "not deeper"),
    ("office-sub-folder", "access/offices/ITD/2025/grants.yaml", "not deeper"),
    ("stray-text", "access/notes.txt", "delete it"),
    ("backup", "access/schools/200/grants.yaml.bak", "delete it"),
    ("roles-sub-folder", "roles/archive/teacher.yaml", "delete it"),
    ("staff-yml", "access/staff.yml", "staff.yaml"),
    ("schools-top-level", "access/schools/grants.yaml", "delete it|not deeper"),
]


@pytest.mark.parametrize("case,relative,hint", UNREAD, ids=[c[0] for c in UNREAD])
def test_a_file_the_loader_does_not_read_is_an_error_at_that_file(tmp_path: Path, case: str, relative: str,
                                                                  hint: str) -> None:
    grant = HEADER + FIRST + '  - employee: "10000003"\n    roles: [principal]\n    granted: 2026-08-01\n'
    read = {  # every other kind of file under access/ is read by someone: no error for them
        "access/logins.csv": "employee_number,location_code,role,last_login\n",
        "access/hr-mapping.yaml": "columns: {}\n",
        "access/schools/100/reviews/2026-H1.yaml": "x: 1\n",
        "access/schools/100/.gitkeep": "",
    }
    errors = errors_of(tmp_path, {relative: grant, **read})
    assert_error(errors, relative, 1, r"never reads this file")
    assert_error(errors, relative, 1, hint)
    assert [e.file for e in errors if "never reads" in e.message] == [relative]


# ---------------------------------------------------------------------- links
def test_a_link_leaving_the_repository_is_refused_and_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "grants.yaml").write_text(HEADER + FIRST, encoding="utf-8")
    (outside / "300").mkdir()
    (outside / "300" / "grants.yaml").write_text('location: "300"\ngrants: []\n', encoding="utf-8")
    root = make_mini_repo(tmp_path / "repo")
    (root / GRANTS).unlink()
    os.symlink(outside / "grants.yaml", root / GRANTS)
    os.symlink(outside / "300", root / "access/schools/300")
    repo, errors = load_tolerant(root)
    assert_error(errors, GRANTS, 1, r"symbolic link.*outside the repository")
    assert_error(errors, "access/schools/300", 1, r"symbolic link.*outside the repository")
    assert "100" not in repo.grants and "300" not in repo.grants


# ---------------------------------------------------------------------- the cached answer
def _validate(root: Path) -> str:
    result = run_cli("validate", "--repo", str(root))
    return f"{result.returncode}\n{result.stdout}\n{result.stderr}"


# Each input of a rule, and an edit of it that changes the answer.
CACHE_INPUTS = [
    (".github/CODEOWNERS", lambda text: text + "/access/schools/100/ @someone-else\n"),
    ("roles/policy.yaml", lambda text: text + "minimum_access_administrators: 9\n"),
    ("roles/teacher.yaml", lambda text: text + "colour: red\n"),
    ("roles/categories.yaml", lambda text: text + "colour: red\n"),
    ("access/district.yaml", lambda text: text + "colour: red\n"),
    ("access/groups.yaml", lambda text: text + "colour: red\n"),
    ("access/staff.yaml", lambda text: text.replace("hr_status: processed, locations: [\"100\"]}",
                                                    "hr_status: separated, locations: [\"100\"]}", 1)),
    (GRANTS, lambda text: text.replace("expires: 2027-07-31", "expires: 2026-01-31", 1)),
    ("access/logins.csv", lambda text: "not,the,right,header\n"),
    ("access/schools/100/reviews/2026-H1.yaml", lambda text: "colour: red\n"),
]


def test_the_cached_answer_changes_with_every_input_of_every_rule(tmp_path: Path) -> None:
    root = make_mini_repo(tmp_path / "repo")
    git_init(root)
    assert run_cli("codeowners", "--repo", str(root)).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "CODEOWNERS")
    for relative, edit in CACHE_INPUTS:
        path = root / relative
        before = _validate(root)
        assert _validate(root) == before  # answered again (from the cache): the same
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edit(original), encoding="utf-8")
        assert _validate(root) != before, f"editing {relative} did not change the answer"
        if original:
            path.write_text(original, encoding="utf-8")
        else:
            path.unlink()
        assert _validate(root) == before
